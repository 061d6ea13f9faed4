"""Reassigning an open task to another person: the one service behind the
admin action and the API. The database change and the workflow's signal go
together: if the workflow cannot be told, nothing changes."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from temporalio.service import RPCError

from cycles import roles, temporal_client
from cycles.plain_text import meaningful
from cycles import workflow_types as t

from . import audit, notifications, separation_of_duties
from .human_tasks import ROLE_FOR_KIND
from .models import AuditEvent, HumanTask, Reassignment

User = get_user_model()
MAX_REASON = Reassignment._meta.get_field("reason").max_length


class ReassignRefused(Exception):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def reassign(task_id: int, to_username: str, reason: str, by) -> HumanTask:
    if not roles.is_manager(by):
        raise ReassignRefused("Only test managers and admins can reassign tasks.", 403)
    reason = meaningful(reason)
    if not reason:
        raise ReassignRefused("A reason is required.")
    if len(reason) > MAX_REASON:
        # The column holds 500: refuse clearly rather than fail on PostgreSQL.
        raise ReassignRefused(f"The reason is limited to {MAX_REASON} characters.")
    to_user = User.objects.filter(username=to_username, is_active=True).first()
    if to_user is None:
        raise ReassignRefused(f"No active user named {to_username!r}.")
    with transaction.atomic():
        task = (
            HumanTask.objects.select_for_update()
            .select_related("cycle_report__cycle", "cycle_report__report", "assignee")
            .filter(pk=task_id)
            .first()
        )
        if task is None:
            raise ReassignRefused("No such task.", 404)
        if not task.is_active:
            raise ReassignRefused(f"This task is {task.get_state_display().lower()}; only open tasks can be reassigned.", 409)
        needed = ROLE_FOR_KIND[task.kind]
        if not roles.has_role(to_user, needed):
            raise ReassignRefused(f"{to_username} does not have the {needed} role needed for a {task.get_kind_display().lower()}.")
        if task.assignee_id == to_user.pk:
            raise ReassignRefused(f"The task is already assigned to {to_username}.", 409)
        try:
            separation_of_duties.check_assignee(task.cycle_report, task.kind, to_user)
        except separation_of_duties.SeparationOfDuties as refusal:
            raise ReassignRefused(str(refusal)) from None
        previous = task.assignee
        task.assignee = to_user
        task.save(update_fields=["assignee"])
        Reassignment.objects.create(task=task, from_user=previous, to_user=to_user, reason=reason, reassigned_by=by)
        audit.record(
            AuditEvent.Event.REASSIGNMENT,
            task.cycle_report,
            actor=by,
            on_behalf_of=to_user,
            workflow_id=task.workflow_id,
            detail=f"{task.get_kind_display()} reassigned from {previous.get_username()} to {to_username}: {reason}",
        )
        notifications.task_event("reassigned", task, [to_user], note=f"Reassigned to you by {by.get_username()}: {reason}")
        _tell_workflow(task, to_user, by, reason)
    return task


def _tell_workflow(task: HumanTask, to_user, by, reason: str) -> None:
    change = t.Reassign(
        kind=task.kind,
        task_id=task.pk,
        new_assignee=to_user.get_username(),
        reassigned_by=by.get_username(),
        reason=reason,
    )

    async def go(client):
        await client.get_workflow_handle(task.workflow_id).signal("reassign_task_signal", change)

    try:
        temporal_client.call(go)
    except (RPCError, RuntimeError, TimeoutError, OSError) as exc:
        # Rolls the database change back: both change, or neither.
        raise ReassignRefused(f"The workflow could not be told ({exc}); nothing was changed. Try again.", 503) from exc
