"""The Sample Selection phase and its two human steps, registered with the
core's registry at start-up (cycles.registry.autodiscover)."""
from __future__ import annotations

from cycles import roles
from cycles.registry import HumanStep, Phase, registry
from reviews.approvals import ApprovalSerializer
from reviews.applying import applied_version
from reviews.separation_of_duties import people_of_record

from . import activities, selection
from . import workflow_steps as w
from .models import Population, SampleApproval, SampleSet
from .serializers import SampleSelectionSerializer


def _selected_by(cycle_report) -> set[int]:
    """Who selected the sample under approval, and for whom."""
    return people_of_record(SampleSet.objects.filter(cycle_report=cycle_report, superseded_at__isnull=True).first())


def _check(cycle_report, serializer) -> dict:
    return selection.check(cycle_report, serializer.payload())


def _section(cycle_report, user):
    return "sampling/_report_section.html", {
        "history": selection.history(cycle_report),
        "population": Population.current_for(cycle_report),
    }


def _note(cycle_report) -> str:
    current = selection.current(cycle_report)
    return f"Sample version {current.version}: {current.description}" if current else ""


registry.register(
    Phase(
        name=w.PHASE,
        order=20,
        steps=[
            HumanStep(
                spec=w.SELECTION_STEP,
                phase=w.PHASE,
                label="Sample selection",
                role=roles.TESTER,
                assignee=lambda cr: cr.tester,
                page="sampling:sample_selection",
                action="Select the sample",
                api_path="sample-selection",
                serializer=SampleSelectionSerializer,
                check=_check,
                applied_version=applied_version(SampleSet),
                answer_fields=("samples", "seed"),
            ),
            HumanStep(
                spec=w.APPROVAL_STEP,
                phase=w.PHASE,
                label="Sample approval",
                role=roles.REPORT_OWNER,
                assignee=lambda cr: cr.report_owner,
                page="sampling:sample_approval",
                action="Approve the sample",
                api_path="sample-approval",
                serializer=ApprovalSerializer,
                barred=_selected_by,
                approves="sample",
                applied_version=applied_version(SampleApproval),
            ),
        ],
        activities=activities.ACTIVITIES,
        urls="sampling.urls",
        api_urls="sampling.api_urls",
        report_section=_section,
        completion_note=_note,
    )
)
