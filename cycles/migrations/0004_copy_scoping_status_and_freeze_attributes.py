"""The Scoping column becomes Scoping's PhaseStatus row, and every report
already started keeps the attributes it has now (frozen: later catalogue
changes do not reach it)."""
from django.db import migrations


def forward(apps, schema_editor):
    CycleReport = apps.get_model("cycles", "CycleReport")
    PhaseStatus = apps.get_model("cycles", "PhaseStatus")
    CycleReportAttribute = apps.get_model("cycles", "CycleReportAttribute")
    ReportAttribute = apps.get_model("cycles", "ReportAttribute")
    for cr in CycleReport.objects.all().iterator():
        if cr.scoping_status != "not_started":
            PhaseStatus.objects.get_or_create(
                cycle_report=cr,
                phase="Scoping",
                defaults={
                    "status": cr.scoping_status,
                    "started_at": cr.started_at,
                    "completed_at": cr.completed_at if cr.scoping_status == "completed" else None,
                },
            )
        if cr.workflow_run_id:
            CycleReportAttribute.objects.bulk_create(
                [
                    CycleReportAttribute(cycle_report_id=cr.pk, attribute_id=pk)
                    for pk in ReportAttribute.objects.filter(report_id=cr.report_id).values_list("pk", flat=True)
                ],
                ignore_conflicts=True,
            )
        else:
            CycleReport.objects.filter(pk=cr.pk).update(current_phase="")


def backward(apps, schema_editor):
    CycleReport = apps.get_model("cycles", "CycleReport")
    PhaseStatus = apps.get_model("cycles", "PhaseStatus")
    for status in PhaseStatus.objects.filter(phase="Scoping"):
        CycleReport.objects.filter(pk=status.cycle_report_id).update(scoping_status=status.status)


class Migration(migrations.Migration):

    dependencies = [("cycles", "0003_phase_status_and_frozen_attributes")]

    operations = [migrations.RunPython(forward, backward)]
