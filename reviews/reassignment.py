"""Reassigning an open task to another person: the one service behind the
admin action and the API. The database change commits first; the signal to
the workflow is an outbox row of the same transaction, sent after the commit
(reviews.workflow_messages), so the two never disagree for long and the
workflow never hears of a change that did not commit."""
from __future__ import annotations

import logging
from dataclasses import asdict

from django.contrib.auth import get_user_model
from django.db import DatabaseError, transaction

from cycles import roles
from cycles.plain_text import meaningful
from cycles import workflow_types as t

from . import audit, notifications, separation_of_duties, workflow_messages
from .models import AuditEvent, HumanTask, Reassignment

log = logging.getLogger(__name__)
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
    try:
        with transaction.atomic():
            task = _reassign_in_transaction(task_id, to_user, reason, by)
    except DatabaseError as exc:
        # The commit (or a write) failed: the change, its audit row, its
        # e-mail and its signal to the workflow are all rolled back together.
        log.warning("reassignment of task %s not saved: %s", task_id, exc)
        raise ReassignRefused("The reassignment could not be saved; nothing was changed. Try again.", 503) from exc
    return task


def _reassign_in_transaction(task_id: int, to_user, reason: str, by) -> HumanTask:
    to_username = to_user.get_username()
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
    needed = task.step.role
    if not roles.has_role(to_user, needed):
        raise ReassignRefused(f"{to_username} does not have the {needed} role needed for a {task.label.lower()}.")
    if task.assignee_id == to_user.pk:
        raise ReassignRefused(f"The task is already assigned to {to_username}.", 409)
    try:
        separation_of_duties.check_assignee(task.cycle_report, task.kind, to_user)
    except separation_of_duties.SeparationOfDuties as refusal:
        raise ReassignRefused(str(refusal)) from None
    previous = task.assignee
    task.assignee = to_user
    task.save(update_fields=["assignee"])
    change = Reassignment.objects.create(task=task, from_user=previous, to_user=to_user, reason=reason, reassigned_by=by)
    audit.record(
        AuditEvent.Event.REASSIGNMENT,
        task.cycle_report,
        actor=by,
        on_behalf_of=to_user,
        workflow_id=task.workflow_id,
        detail=f"{task.label} reassigned from {previous.get_username()} to {to_username}: {reason}",
    )
    notifications.task_event("reassigned", task, [to_user], note=f"Reassigned to you by {by.get_username()}: {reason}")
    # The person who lost it hears it too, and from whom: otherwise their
    # next visit only says the task belongs to someone else.
    notifications.task_event(
        "reassigned_away", task, [previous], note=f"Reassigned from you to {to_username} by {by.get_username()}: {reason}"
    )
    # Sent after the commit, never before: if the commit fails, the workflow
    # is not told of a change that did not happen.
    workflow_messages.queue(
        task.workflow_id,
        "reassign_task_signal",
        asdict(t.Reassign(kind=task.kind, task_id=task.pk, new_assignee=to_username, reassigned_by=by.get_username(), reason=reason)),
        about=f"reassignment {change.pk}",
    )
    return task


def reassign_all_of(from_user, to_username: str, reason: str, by) -> tuple[list[HumanTask], list[tuple[HumanTask, str]]]:
    """Every open task `from_user` holds, to one person (someone going on
    leave): each task moves on its own, through the one service above, so
    a task that cannot move (separation of duties, a role the new person
    lacks) is named and the others still move."""
    if not roles.is_manager(by):
        raise ReassignRefused("Only test managers and admins can reassign tasks.", 403)
    moved, refused = [], []
    held = HumanTask.objects.filter(assignee=from_user, state__in=HumanTask.ACTIVE_STATES).order_by("due_at", "id")
    for task in held.select_related("cycle_report__report"):
        try:
            moved.append(reassign(task.pk, to_username, reason, by))
        except ReassignRefused as refusal:
            if refusal.status in (400, 409):
                refused.append((task, str(refusal)))
            else:
                raise
    return moved, refused
