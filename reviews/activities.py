"""Activities shared by every human step: reminders, escalation, and the
record of a refused message."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from temporalio import activity

from cycles import workflow_types as t
from cycles.models import CycleReport

from . import audit, human_tasks
from .models import AuditEvent

User = get_user_model()


@activity.defn
def send_task_reminder_activity(event: t.TaskEvent) -> None:
    human_tasks.remind(event.task_id, event.workflow_id, event.run_id, activity.info().activity_id)


@activity.defn
def escalate_task_activity(event: t.TaskEvent) -> None:
    human_tasks.escalate(event.task_id, event.workflow_id, event.run_id)


@activity.defn
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


ACTIVITIES = [send_task_reminder_activity, escalate_task_activity, record_refused_message_activity]
