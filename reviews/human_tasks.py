"""Human task rows: opened, reminded, escalated and closed by the workflow's
activities; reassigned by managers. One place decides who may act on a task."""
from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from cycles import roles
from cycles.templatetags.plain_words import format_when

from . import audit, notifications
from .due_dates import Duration, due_at, parse_holidays
from .models import AuditEvent, Delegation, HumanTask

User = get_user_model()

@dataclass(frozen=True)
class TaskTiming:
    due_after: Duration
    remind_every_seconds: int
    max_reminders: int  # 0: no limit


def timing(cycle) -> TaskTiming:
    """The cycle's durations, or the site's, never below the minimums."""
    due = (
        Duration(cycle.task_due_amount, cycle.task_due_unit)
        if cycle.task_due_amount
        else Duration.from_seconds(settings.HUMAN_TASK_DUE_AFTER)
    )
    if due.at_least_seconds < settings.HUMAN_TASK_MIN_DUE_AFTER:
        due = Duration(settings.HUMAN_TASK_MIN_DUE_AFTER, "seconds")
    remind = (
        Duration(cycle.reminder_amount, cycle.reminder_unit).at_least_seconds
        if cycle.reminder_amount
        else settings.HUMAN_TASK_REMIND_EVERY
    )
    remind = max(remind, settings.HUMAN_TASK_MIN_REMIND_EVERY)
    cap = cycle.max_reminders if cycle.max_reminders is not None else settings.HUMAN_TASK_MAX_REMINDERS
    return TaskTiming(due, remind, cap)


def task_due_at(cycle, opened_at):
    return due_at(
        opened_at,
        timing(cycle).due_after,
        parse_holidays(settings.HUMAN_TASK_HOLIDAYS),
        timezone.get_default_timezone(),
        settings.HUMAN_TASK_HOLIDAY_CALENDAR,
    )


def open_task(cycle_report, kind: str, round_no: int, default_assignee, workflow_id: str, run_id: str) -> HumanTask:
    """Idempotent: a retried activity finds the task it opened before."""
    # One read for both: this round's task (a retry) or the previous round's.
    previous = (
        HumanTask.objects.filter(cycle_report=cycle_report, kind=kind, round__lte=round_no)
        .select_related("assignee")
        .order_by("-round")
        .first()
    )
    if previous is not None and previous.round == round_no:
        return previous
    # A new round goes to whoever held the previous one (it may have been reassigned).
    assignee = previous.assignee if previous else default_assignee
    now = timezone.now()
    try:
        with transaction.atomic():
            task = HumanTask.objects.create(
                kind=kind,
                cycle_report=cycle_report,
                round=round_no,
                assignee=assignee,
                original_assignee=assignee,
                opened_at=now,
                due_at=task_due_at(cycle_report.cycle, now),
                workflow_id=workflow_id,
            )
            audit.record(
                AuditEvent.Event.TASK_OPENED,
                cycle_report,
                on_behalf_of=assignee,
                workflow_id=workflow_id,
                run_id=run_id,
                detail=f"{task.label} round {round_no} for {assignee.get_username()}, due {format_when(task.due_at)}",
                dedupe_key=f"{workflow_id}:{run_id}:open:{kind}:{round_no}",
            )
            notifications.task_event("assigned", task, [assignee, *active_delegates(assignee)])
    except IntegrityError:
        # A concurrent attempt opened it: use that one.
        return HumanTask.objects.get(cycle_report=cycle_report, kind=kind, round=round_no)
    return task


def complete_task(task: HumanTask, completed_by, on_behalf_of) -> None:
    HumanTask.objects.filter(pk=task.pk, state__in=HumanTask.ACTIVE_STATES).update(
        state=HumanTask.State.COMPLETED,
        completed_at=timezone.now(),
        completed_by=completed_by,
        on_behalf_of=on_behalf_of,
    )


def remind(task_id: int, workflow_id: str, run_id: str, reminder_key: str = "") -> None:
    """`reminder_key` names this reminder in its workflow run (the activity id,
    the same on every retry), so that a retried activity reminds once."""
    dedupe_key = f"{workflow_id}:{run_id}:remind:{task_id}:{reminder_key}" if reminder_key else None
    with transaction.atomic():
        task = HumanTask.objects.select_for_update().select_related("cycle_report__cycle", "cycle_report__report", "assignee").get(pk=task_id)
        if not task.is_active:
            return
        if dedupe_key and AuditEvent.objects.filter(dedupe_key=dedupe_key).exists():
            return
        task.reminders_sent += 1
        task.save(update_fields=["reminders_sent"])
        audit.record(
            AuditEvent.Event.REMINDER,
            task.cycle_report,
            on_behalf_of=task.assignee,
            workflow_id=workflow_id,
            run_id=run_id,
            detail=f"Reminder {task.reminders_sent} to {task.assignee.get_username()} for {task.label}",
            dedupe_key=dedupe_key,
        )
        cap = timing(task.cycle_report.cycle).max_reminders
        note = f"Reminder {task.reminders_sent} of {cap}." if cap else ""
        if cap and task.reminders_sent >= cap:
            note += " This is the last one: after the due date the test manager is told."
        notifications.task_event("reminder", task, [task.assignee, *active_delegates(task.assignee)], note=note)


def escalate(task_id: int, workflow_id: str, run_id: str) -> None:
    with transaction.atomic():
        task = HumanTask.objects.select_for_update().select_related("cycle_report__cycle__test_manager", "cycle_report__report", "assignee").get(pk=task_id)
        if task.state != HumanTask.State.OPEN:
            return  # already escalated (a retried activity) or done
        task.state = HumanTask.State.ESCALATED
        task.escalated_at = timezone.now()
        task.save(update_fields=["state", "escalated_at"])
        manager = task.cycle_report.cycle.test_manager
        audit.record(
            AuditEvent.Event.ESCALATION,
            task.cycle_report,
            on_behalf_of=task.assignee,
            workflow_id=workflow_id,
            run_id=run_id,
            detail=f"{task.label} overdue since {format_when(task.due_at)}; escalated to {manager.get_username()}",
            dedupe_key=f"{workflow_id}:{run_id}:escalate:{task.pk}",
        )
        notifications.task_event(
            "escalation",
            task,
            [manager, task.assignee],
            note=f"The test manager {manager.get_username()} has been informed.",
        )


def active_delegations(now=None):
    now = now or timezone.now()
    return Delegation.objects.filter(starts_at__lte=now, ends_at__gt=now)


def active_delegates(user) -> list:
    return list(User.objects.filter(delegations_received__in=active_delegations().filter(delegator=user)).distinct())


def delegators_of(user) -> list[int]:
    return list(active_delegations().filter(delegate=user).values_list("delegator_id", flat=True))


def acting_for(user, task: HumanTask):
    """The user on whose behalf `user` may act on `task`, or None."""
    if not user.is_authenticated or not task.is_active:
        return None
    if task.assignee_id == user.pk:
        return task.assignee
    if active_delegations().filter(delegator_id=task.assignee_id, delegate=user).exists():
        # A delegate stands in only for work their own role allows: an owner
        # covering a tester's leave still may not do the tester's review.
        if roles.has_role(user, task.step.role):
            return task.assignee
    return None


def open_tasks_for(user):
    """The caller's active tasks and those of people who delegated to them."""
    owners = [user.pk, *delegators_of(user)]
    return (
        HumanTask.objects.filter(state__in=HumanTask.ACTIVE_STATES, assignee_id__in=owners)
        .select_related("cycle_report__cycle", "cycle_report__report", "assignee")
        .order_by("due_at", "id")
    )


def active_task(cycle_report, kind: str) -> HumanTask | None:
    return (
        HumanTask.objects.filter(cycle_report=cycle_report, kind=kind, state__in=HumanTask.ACTIVE_STATES)
        .select_related("assignee")
        .first()
    )
