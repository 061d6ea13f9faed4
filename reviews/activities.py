"""Activities of the human side, shared by every phase and step: phases
starting and completing, a step's task opening, reminders, escalation, and
the record of a refused message. A step's own activity (applying a person's
submission) is its phase app's."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from temporalio import activity

from cycles import workflow_types as t
from cycles.models import CycleReport
from cycles.registry import registry

from . import audit, human_tasks, phase_transitions, separation_of_duties
from .models import AuditEvent

User = get_user_model()


def cycle_report(pk: int, *related: str) -> CycleReport:
    """The report with the rows an activity reads from it (anything else
    still loads on access). Each activity names its own: joining every
    related table for every activity was a measurable share of the worker's
    time (issue 15)."""
    return CycleReport.objects.select_related(*related).get(pk=pk)


@t.START_PHASE.implement
def start_phase_activity(req: t.PhaseRequest) -> None:
    phase_transitions.started(cycle_report(req.cycle_report_id, "started_by"), req.phase, req.workflow_id, req.run_id)


@t.COMPLETE_PHASE.implement
def complete_phase_activity(req: t.PhaseRequest) -> None:
    cr = cycle_report(req.cycle_report_id, "cycle__test_manager", "report")
    phase_transitions.completed(cr, req.phase, req.workflow_id, req.run_id)
    phase_transitions.notify_manager(cr, req.phase, req.workflow_id, req.run_id)


@t.OPEN_TASK.implement
def open_human_task_activity(req: t.OpenTask) -> t.TaskTerms:
    """Open the step's task (or find it again, on a retry) and tell the
    workflow its terms: assignee, due date, reminders, who may not act, and
    the rules its validator applies."""
    cr = cycle_report(req.cycle_report_id, "cycle", "report", "tester", "report_owner")
    step = registry.step(req.kind)
    task = human_tasks.open_task(cr, req.kind, req.round, step.assignee(cr), req.workflow_id, req.run_id)
    timing = human_tasks.timing(cr.cycle)
    return t.TaskTerms(
        task_id=task.pk,
        assignee=task.assignee.get_username(),
        due_at=task.due_at.isoformat(),
        remind_every_seconds=timing.remind_every_seconds,
        max_reminders=timing.max_reminders,
        barred=separation_of_duties.barred_usernames(cr, req.kind),
        rules=step.rules(cr, req.context),
    )


@t.SEND_REMINDER.implement
def send_task_reminder_activity(event: t.TaskEvent) -> None:
    human_tasks.remind(event.task_id, event.workflow_id, event.run_id, activity.info().activity_id)


@t.ESCALATE.implement
def escalate_task_activity(event: t.TaskEvent) -> None:
    human_tasks.escalate(event.task_id, event.workflow_id, event.run_id)


@t.RECORD_REFUSED.implement
def record_refused_message_activity(msg: t.RefusedMessage) -> None:
    cr = CycleReport.objects.get(pk=msg.cycle_report_id)
    users = {u.username: u for u in User.objects.filter(username__in=[msg.submitted_by, msg.on_behalf_of])}
    audit.record(
        AuditEvent.Event.SUBMISSION_REFUSED,
        cr,
        actor=users.get(msg.submitted_by),
        on_behalf_of=users.get(msg.on_behalf_of),
        workflow_id=msg.workflow_id,
        run_id=msg.run_id,
        detail=f"{msg.kind} signal refused: {msg.reason}",
        dedupe_key=f"{msg.workflow_id}:{msg.run_id}:refused:{msg.submission_id}",
    )


ACTIVITIES = [
    start_phase_activity,
    complete_phase_activity,
    open_human_task_activity,
    send_task_reminder_activity,
    escalate_task_activity,
    record_refused_message_activity,
]
