"""Activities of the Scoping phase. They run in the worker's threads and are
the only bridge from the workflow to the database; each is idempotent so a
retry after a crash changes nothing twice."""
from __future__ import annotations

from cycles.models import CycleReport
from reviews import audit
from reviews.applying import Submitted, apply_activity
from reviews.models import AuditEvent

from . import services
from . import workflow_steps as s


def _cycle_report(pk: int) -> CycleReport:
    return CycleReport.objects.select_related("cycle", "report", "tester", "report_owner").get(pk=pk)


@s.GENERATE_RECOMMENDATIONS.implement
def generate_llm_recommendations_activity(req) -> int:
    cr = _cycle_report(req.cycle_report_id)
    created = services.ensure_recommendations(cr)
    audit.record(
        AuditEvent.Event.RECOMMENDATIONS,
        cr,
        workflow_id=req.workflow_id,
        run_id=req.run_id,
        detail=f"{created} recommendation(s) generated",
        dedupe_key=f"{req.workflow_id}:{req.run_id}:recommendations",
    )
    return created


@apply_activity(s.APPLY_TESTER_REVIEW)
def apply_tester_review_activity(submitted: Submitted) -> s.ReviewApplied:
    saved = services.record_tester_review(submitted)
    return s.ReviewApplied(saved.version, saved.overrides, saved.requires_report_owner_approval)


@apply_activity(s.APPLY_OWNER_APPROVAL)
def apply_report_owner_approval_activity(submitted: Submitted) -> s.ApprovalApplied:
    decision = services.record_owner_decision(submitted)
    return s.ApprovalApplied(decision.version, decision.outcome == decision.Outcome.APPROVED, decision.comments)


ACTIVITIES = [generate_llm_recommendations_activity, apply_tester_review_activity, apply_report_owner_approval_activity]
