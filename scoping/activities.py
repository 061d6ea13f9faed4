"""Activities of the Scoping phase. They run in the worker's threads and are
the only bridge from the workflow to the database; each is idempotent so a
retry after a crash changes nothing twice."""
from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from temporalio import activity
from temporalio.exceptions import ApplicationError

from cycles import workflow_types as t
from cycles.models import CycleReport
from reviews import audit, notifications
from reviews.human_tasks import durations, open_task
from reviews.models import AuditEvent, HumanTask

from . import services
from .llm.attempt import from_activity as attempt_from_activity
from .llm.recommend import ModelUnavailable


def _cycle_report(pk: int) -> CycleReport:
    return CycleReport.objects.select_related(
        "cycle", "report", "tester", "report_owner", "cycle__test_manager"
    ).get(pk=pk)


@activity.defn
def start_scoping_phase_activity(req: t.PhaseRequest) -> None:
    cr = _cycle_report(req.cycle_report_id)
    if cr.scoping_status == CycleReport.Status.NOT_STARTED:
        CycleReport.objects.filter(pk=cr.pk, scoping_status=CycleReport.Status.NOT_STARTED).update(
            scoping_status=CycleReport.Status.IN_PROGRESS,
            current_phase=CycleReport.Phase.SCOPING,
            started_at=timezone.now(),
            workflow_id=req.workflow_id,
            workflow_run_id=req.run_id,
        )
    audit.record(
        AuditEvent.Event.PHASE_STARTED,
        cr,
        workflow_id=req.workflow_id,
        run_id=req.run_id,
        detail="Scoping phase started",
        dedupe_key=f"{req.workflow_id}:{req.run_id}:scoping-started",
    )


# Longest wait before another attempt that a Retry-After may ask for: the
# tester should not wait on a model for longer (the policy's own maximum).
MAX_RETRY_DELAY_SECONDS = 300


@activity.defn
def generate_llm_recommendations_activity(req: t.PhaseRequest) -> dict:
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


def _awaiting(task: HumanTask, cr: CycleReport, **extra) -> t.StepOutcome:
    _, remind_every = durations(cr.cycle)
    return t.StepOutcome(
        status="awaiting",
        task_id=task.pk,
        assignee=task.assignee.get_username(),
        due_at=task.due_at.isoformat(),
        remind_every_seconds=remind_every,
        **extra,
    )


def _refused(reason: str) -> t.StepOutcome:
    return t.StepOutcome(status="refused", reason=reason)


@activity.defn
def tester_review_attributes_activity(req: t.TesterReviewRequest) -> t.StepOutcome:
    cr = _cycle_report(req.cycle_report_id)
    task = open_task(cr, HumanTask.Kind.TESTER_REVIEW, req.round, cr.tester, req.workflow_id, req.run_id)
    if req.submission is None:
        rules = [
            t.AttributeRule(attribute_id=a, recommended_include=inc, is_primary_key=pk)
            for a, inc, pk in services.attribute_rules(cr)
        ]
        return _awaiting(task, cr, attributes=rules)
    try:
        saved = services.record_tester_review(cr, task, req.submission, req.workflow_id, req.run_id)
    except services.Refused as refusal:
        return _refused(str(refusal))
    return t.StepOutcome(
        status="accepted",
        task_id=task.pk,
        version=saved.version,
        overrides=saved.overrides,
        requires_report_owner_approval=saved.requires_report_owner_approval,
    )


@activity.defn
def report_owner_approval_activity(req: t.OwnerApprovalRequest) -> t.StepOutcome:
    cr = _cycle_report(req.cycle_report_id)
    task = open_task(cr, HumanTask.Kind.REPORT_OWNER_APPROVAL, req.round, cr.report_owner, req.workflow_id, req.run_id)
    current = cr.scoping_submissions.filter(superseded_at__isnull=True).select_related("submitted_by").first()
    if req.submission is None:
        reviewer = current.submitted_by.get_username() if current else ""
        return _awaiting(task, cr, reviewer=reviewer)
    try:
        decision = services.record_owner_decision(cr, task, req.submission, req.workflow_id, req.run_id)
    except services.Refused as refusal:
        return _refused(str(refusal))
    approved = decision.outcome == decision.Outcome.APPROVED
    return t.StepOutcome(
        status="accepted",
        task_id=task.pk,
        version=decision.version,
        approved=approved,
        comments=decision.comments,
    )


@activity.defn
def complete_scoping_phase_activity(req: t.PhaseRequest) -> None:
    cr = _cycle_report(req.cycle_report_id)
    CycleReport.objects.filter(pk=cr.pk).exclude(scoping_status=CycleReport.Status.COMPLETED).update(
        scoping_status=CycleReport.Status.COMPLETED, completed_at=timezone.now()
    )
    # A step that somehow stayed open must not linger in anyone's inbox.
    HumanTask.objects.filter(cycle_report=cr, state__in=HumanTask.ACTIVE_STATES).update(
        state=HumanTask.State.CANCELLED
    )
    audit.record(
        AuditEvent.Event.PHASE_COMPLETED,
        cr,
        workflow_id=req.workflow_id,
        run_id=req.run_id,
        detail="Scoping phase completed",
        dedupe_key=f"{req.workflow_id}:{req.run_id}:scoping-completed",
    )


@activity.defn
def notify_phase_completed_activity(req: t.PhaseRequest) -> None:
    """Tell the cycle's test manager that the report's Scoping is done, with
    the approved version, so the next phase can be planned without polling."""
    cr = _cycle_report(req.cycle_report_id)
    approved = cr.scoping_submissions.filter(superseded_at__isnull=True).select_related("submitted_by").first()
    note = "Scoping is complete."
    if approved is not None:
        included = approved.decisions.filter(include=True).count()
        note += (
            f" Version {approved.version} by {approved.submitted_by.get_username()}:"
            f" {included} attribute(s) in scope, {approved.overrides} override(s)."
        )
    # Once per run, however often the activity is retried: the audit row and
    # the e-mail commit together, and a retry finds the row.
    with transaction.atomic():
        recorded = audit.record(
            AuditEvent.Event.NOTICE_SENT,
            cr,
            on_behalf_of=cr.cycle.test_manager,
            workflow_id=req.workflow_id,
            run_id=req.run_id,
            detail=f"Test manager {cr.cycle.test_manager.get_username()} told: {note}",
            dedupe_key=f"{req.workflow_id}:{req.run_id}:scoping-completed-notice",
        )
        if recorded is not None:
            notifications.report_event("phase_completed", cr, [cr.cycle.test_manager], note=note)


ACTIVITIES = [
    start_scoping_phase_activity,
    generate_llm_recommendations_activity,
    tester_review_attributes_activity,
    report_owner_approval_activity,
    complete_scoping_phase_activity,
    notify_phase_completed_activity,
]
