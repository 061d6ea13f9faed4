"""The Evidence phase and its two human steps, registered with the core's
registry at start-up (cycles.registry.autodiscover)."""
from __future__ import annotations

from cycles import roles
from cycles.registry import HumanStep, Phase, registry
from reviews.applying import applied_version
from reviews.separation_of_duties import people_of_record

from . import activities, results, rounds
from . import workflow_steps as w
from .models import EvidenceReview, EvidenceSubmission
from .serializers import EvidenceReviewSerializer, EvidenceSubmissionSerializer, check_review, check_submission


def _provider(cycle_report):
    # A report without a named data provider asks its owner, who answers
    # for the report's data in the business line.
    return cycle_report.data_provider or cycle_report.report_owner


def _provided_by(cycle_report) -> set[int]:
    """Who submitted the evidence under review, and for whom."""
    return people_of_record(rounds.current_submission(cycle_report))


def _section(cycle_report, user):
    rows = list(results.current(cycle_report))
    return "evidence/_report_section.html", {
        "evidence_rounds": EvidenceSubmission.objects.filter(cycle_report=cycle_report).order_by("version").select_related("submitted_by", "review__decided_by"),
        "test_results": rows,
        "mismatches": sum(not r.match for r in rows),
    }


def _note(cycle_report) -> str:
    rows = results.current(cycle_report)
    return f"Evidence accepted for every sampled record: {rows.count()} test results, {rows.filter(match=False).count()} mismatches"


registry.register(
    Phase(
        name=w.PHASE,
        order=30,
        steps=[
            HumanStep(
                spec=w.SUBMISSION_STEP,
                phase=w.PHASE,
                label="Evidence request",
                role=roles.DATA_PROVIDER,
                assignee=_provider,
                page="evidence:evidence_submission",
                action="Provide the evidence",
                api_path="evidence-submission",
                serializer=EvidenceSubmissionSerializer,
                rules=rounds.submission_rules,
                check=check_submission,
                applied_version=applied_version(EvidenceSubmission),
                answer_fields=("samples",),
            ),
            HumanStep(
                spec=w.REVIEW_STEP,
                phase=w.PHASE,
                label="Evidence review",
                role=roles.TESTER,
                assignee=lambda cr: cr.tester,
                page="evidence:evidence_review",
                action="Review the evidence",
                api_path="evidence-review",
                serializer=EvidenceReviewSerializer,
                barred=_provided_by,
                approves="evidence",
                rules=rounds.review_rules,
                check=check_review,
                applied_version=applied_version(EvidenceReview),
                answer_fields=("accepted", "returned"),
            ),
        ],
        activities=activities.ACTIVITIES,
        urls="evidence.urls",
        api_urls="evidence.api_urls",
        report_section=_section,
        completion_note=_note,
    )
)
