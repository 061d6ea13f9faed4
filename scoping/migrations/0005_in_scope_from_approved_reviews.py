"""Reports whose Scoping completed before the in-scope flags existed: the
approved (current) version's decisions say which attributes are in scope."""
from django.db import migrations


def forward(apps, schema_editor):
    PhaseStatus = apps.get_model("cycles", "PhaseStatus")
    CycleReportAttribute = apps.get_model("cycles", "CycleReportAttribute")
    ScopingSubmission = apps.get_model("scoping", "ScopingSubmission")
    ScopingDecision = apps.get_model("scoping", "ScopingDecision")
    done = PhaseStatus.objects.filter(phase="Scoping", status="completed").values_list("cycle_report_id", flat=True)
    for cycle_report_id in done:
        current = ScopingSubmission.objects.filter(cycle_report_id=cycle_report_id, superseded_at__isnull=True).first()
        if current is None:
            continue
        included = set(ScopingDecision.objects.filter(submission=current, include=True).values_list("attribute_id", flat=True))
        frozen = CycleReportAttribute.objects.filter(cycle_report_id=cycle_report_id)
        frozen.filter(attribute_id__in=included).update(in_scope=True)
        frozen.exclude(attribute_id__in=included).update(in_scope=False)


class Migration(migrations.Migration):

    dependencies = [
        ("cycles", "0004_copy_scoping_status_and_freeze_attributes"),
        ("scoping", "0004_report_attribute_moves_to_cycles"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
