"""Object-level permissions: who may see or act on a report in a cycle."""
from __future__ import annotations

from cycles import roles

from .human_tasks import delegators_of


def can_view(user, cycle_report) -> bool:
    if not user.is_authenticated:
        return False
    if roles.is_manager(user):
        return True
    people = {cycle_report.tester_id, cycle_report.report_owner_id, cycle_report.data_provider_id}
    if user.pk in people:
        return True
    # Delegates and reassigned people see the reports they act on.
    if cycle_report.tasks.filter(assignee_id__in=[user.pk, *delegators_of(user)]).exists():
        return True
    return False


def can_start(user, cycle_report) -> bool:
    return user.is_authenticated and (roles.is_manager(user) or user.pk == cycle_report.tester_id)


def visible_cycle_reports(user, queryset):
    if roles.is_manager(user):
        return queryset
    from django.db.models import Q

    owners = [user.pk, *delegators_of(user)]
    return queryset.filter(
        Q(tester=user) | Q(report_owner=user) | Q(data_provider=user) | Q(tasks__assignee_id__in=owners)
    ).distinct()
