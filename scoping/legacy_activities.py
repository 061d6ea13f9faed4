"""The activities of runs started before the phase mechanism
(scoping/workflow_legacy.py): they keep their names and payloads, and do
their work through the same services as the current activities. Remove them
with PATCH_PHASE_MECHANISM (docs/workflow-changes.md)."""
from __future__ import annotations

from temporalio import activity

from cycles import workflow_types as t
from reviews import human_tasks, phase_transitions, separation_of_duties
from reviews.applying import Refused, Submitted, people_named

from . import services
from . import workflow_legacy as legacy
from . import workflow_steps as s
from .activities import _cycle_report


@activity.defn(name=legacy.START)
def start_scoping_phase_activity(req: t.PhaseRequest) -> None:
    # Their "Workflow started" was written when they were started.
    phase_transitions.started(_cycle_report(req.cycle_report_id), s.PHASE, req.workflow_id, req.run_id,
                              record_workflow_start=False)


@activity.defn(name=legacy.COMPLETE)
def complete_scoping_phase_activity(req: t.PhaseRequest) -> None:
    phase_transitions.completed(_cycle_report(req.cycle_report_id), s.PHASE, req.workflow_id, req.run_id)


@activity.defn(name=legacy.NOTIFY)
def notify_phase_completed_activity(req: t.PhaseRequest) -> None:
    phase_transitions.notify_manager(_cycle_report(req.cycle_report_id), s.PHASE, req.workflow_id, req.run_id)


def _step(kind: str, req, default_assignee_of, apply) -> legacy.StepOutcome:
    cr = _cycle_report(req.cycle_report_id)
    task = human_tasks.open_task(cr, kind, req.round, default_assignee_of(cr), req.workflow_id, req.run_id)
    if req.submission is None:
        remind_every = human_tasks.timing(cr.cycle).remind_every_seconds
        rules = [legacy.AttributeRule(*row) for row in services.attribute_rules(cr)] if kind == s.TESTER_REVIEW else []
        return legacy.StepOutcome(
            status="awaiting",
            task_id=task.pk,
            assignee=task.assignee.get_username(),
            due_at=task.due_at.isoformat(),
            remind_every_seconds=remind_every,
            attributes=rules,
            barred=separation_of_duties.barred_usernames(cr, kind),
        )
    try:
        submitted = Submitted(cr, task, *people_named(req.submission.submitted_by, req.submission.on_behalf_of),
                              req.submission, req.workflow_id, req.run_id)
        return apply(submitted, task)
    except Refused as refusal:
        return legacy.StepOutcome(status="refused", reason=str(refusal))


@activity.defn(name=legacy.STEP_ACTIVITY[s.TESTER_REVIEW])
def tester_review_attributes_activity(req: legacy.TesterReviewRequest) -> legacy.StepOutcome:
    def apply(submitted, task):
        saved = services.record_tester_review(submitted)
        return legacy.StepOutcome(
            status="accepted", task_id=task.pk, version=saved.version, overrides=saved.overrides,
            requires_report_owner_approval=saved.requires_report_owner_approval,
        )

    return _step(s.TESTER_REVIEW, req, lambda cr: cr.tester, apply)


@activity.defn(name=legacy.STEP_ACTIVITY[s.REPORT_OWNER_APPROVAL])
def report_owner_approval_activity(req: legacy.OwnerApprovalRequest) -> legacy.StepOutcome:
    def apply(submitted, task):
        decision = services.record_owner_decision(submitted)
        return legacy.StepOutcome(
            status="accepted", task_id=task.pk, version=decision.version,
            approved=decision.outcome == decision.Outcome.APPROVED, comments=decision.comments,
        )

    return _step(s.REPORT_OWNER_APPROVAL, req, lambda cr: cr.report_owner, apply)


ACTIVITIES = [
    start_scoping_phase_activity,
    complete_scoping_phase_activity,
    notify_phase_completed_activity,
    tester_review_attributes_activity,
    report_owner_approval_activity,
]
