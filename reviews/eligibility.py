"""Who may be given a task: the one answer behind every "reassign to" and
"delegate to" list, so that a list never offers someone the service would
refuse."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q

from cycles import roles

from . import separation_of_duties

User = get_user_model()


def with_role(role: str):
    """Active users holding `role` (superusers hold every role)."""
    return User.objects.filter(is_active=True).filter(Q(is_superuser=True) | Q(groups__name=role)).distinct()


def eligible_assignees(task):
    """People a task may be reassigned to: the step's role, active, not its
    holder, and not barred by separation of duties on this report."""
    barred = separation_of_duties.barred(task.cycle_report, task.kind)
    return (
        with_role(task.step.role)
        .exclude(pk__in={task.assignee_id, *barred})
        .order_by("last_name", "first_name", "username")
    )


def eligible_for_all(tasks):
    """People every one of `tasks` may go to (the admin's bulk action)."""
    people = None
    for task in tasks:
        ids = set(eligible_assignees(task).values_list("pk", flat=True))
        people = ids if people is None else people & ids
    return User.objects.filter(pk__in=people or ()).order_by("last_name", "first_name", "username")


def delegate_roles(user) -> list[str]:
    """The roles of `user` a delegate can stand in for."""
    return [r for r in (roles.TESTER, roles.REPORT_OWNER) if roles.has_role(user, r)]


def eligible_delegates(user):
    """People `user` may delegate to: active, someone else, holding one of
    the user's task roles (a delegate acts only where their own role allows)."""
    needed = delegate_roles(user)
    if not needed:
        return User.objects.none()
    return (
        User.objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(groups__name__in=needed))
        .exclude(pk=user.pk)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def why_not(task, username: str) -> str | None:
    """Why `username` may not be given `task`, in the service's own words
    (None if they may): a form that refuses a name it did not offer says why."""
    if "\x00" in username:  # PostgreSQL cannot even compare it
        return "Null characters are not allowed."
    user = User.objects.filter(username=username).first()
    if user is None or not user.is_active:
        return f"No active user named {username!r}."
    if task.assignee_id == user.pk:
        return f"The task is already assigned to {username}."
    if not roles.has_role(user, task.step.role):
        return f"{username} does not have the {task.step.role} role needed for a {task.label.lower()}."
    try:
        separation_of_duties.check_assignee(task.cycle_report, task.kind, user)
    except separation_of_duties.SeparationOfDuties as refusal:
        return str(refusal)
    return None
