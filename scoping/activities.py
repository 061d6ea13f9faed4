"""Activities of the Scoping phase. They run in the worker's threads and are
the only bridge from the workflow to the database; each is idempotent so a
retry after a crash changes nothing twice."""
from __future__ import annotations

from datetime import timedelta

from temporalio.exceptions import ApplicationError

from cycles.models import CycleReport
from reviews import audit
from reviews.applying import Submitted, apply_activity
from reviews.models import AuditEvent

from . import services
from . import workflow_steps as s
from .llm.attempt import from_activity as attempt_from_activity
from .llm.recommend import ModelUnavailable

# Longest wait before another attempt that a Retry-After may ask for: the
# tester should not wait on a model for longer (the policy's own maximum).
MAX_RETRY_DELAY_SECONDS = 300


def _cycle_report(pk: int) -> CycleReport:
    return CycleReport.objects.select_related("cycle", "report", "tester", "report_owner").get(pk=pk)


@s.GENERATE_RECOMMENDATIONS.implement
def generate_llm_recommendations_activity(req) -> dict:
    """Recommend every attribute still without a recommendation (a retry
    resumes after the batches already stored). While the model's endpoint is
    unavailable this fails retryably, with Temporal's back-off or the
    endpoint's Retry-After; from attempt LLM_MAX_ATTEMPTS on the report falls
    back to rules instead, so the workflow never fails here. Returns ids and
    counts only."""
    cr = _cycle_report(req.cycle_report_id)
    try:
        summary = services.ensure_recommendations(cr, attempt_from_activity())
    except ModelUnavailable as unavailable:
        delay = None
        if unavailable.retry_after is not None:
            delay = timedelta(seconds=min(max(unavailable.retry_after, 1), MAX_RETRY_DELAY_SECONDS))
        # Our own words only, and no cause: the SDK's message may quote the
        # endpoint, and this text is kept in the workflow's history.
        raise ApplicationError(
            f"model endpoint unavailable: {unavailable}", type="ModelUnavailable", next_retry_delay=delay
        ) from None
    audit.record(
        AuditEvent.Event.RECOMMENDATIONS,
        cr,
        workflow_id=req.workflow_id,
        run_id=req.run_id,
        detail=summary.describe(),
        dedupe_key=f"{req.workflow_id}:{req.run_id}:recommendations",
    )
    return summary.result(cr.pk)


@apply_activity(s.APPLY_TESTER_REVIEW)
def apply_tester_review_activity(submitted: Submitted) -> s.ReviewApplied:
    saved = services.record_tester_review(submitted)
    return s.ReviewApplied(saved.version, saved.overrides, saved.requires_report_owner_approval)


@apply_activity(s.APPLY_OWNER_APPROVAL)
def apply_report_owner_approval_activity(submitted: Submitted) -> s.ApprovalApplied:
    decision = services.record_owner_decision(submitted)
    return s.ApprovalApplied(decision.version, decision.outcome == decision.Outcome.APPROVED, decision.comments)


ACTIVITIES = [generate_llm_recommendations_activity, apply_tester_review_activity, apply_report_owner_approval_activity]
