"""The task lists: a person's inbox and the manager's view of every open
task. A step's own page belongs to its phase app (with reviews.step_pages)."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from cycles import roles
from cycles.models import TestCycle
from cycles.registry import registry

from . import human_tasks
from .models import HumanTask
from .task_filters import ManagerTaskFilter, null_characters_in


@require_safe
def home(request):
    return redirect("reviews:inbox")


def _with_overdue_first(qs):
    now = timezone.now()
    return qs.annotate(
        overdue=Case(When(due_at__lt=now, then=Value(1)), default=Value(0), output_field=IntegerField())
    ).order_by("-overdue", "due_at", "id")


@require_safe
def inbox(request):
    tasks = _with_overdue_first(human_tasks.open_tasks_for(request.user))
    return render(request, "reviews/inbox.html", {"tasks": tasks, "now": timezone.now()})


@require_safe
def manager_tasks(request):
    if not roles.is_manager(request.user):
        raise PermissionDenied("Only test managers and admins see every task.")
    cycles = TestCycle.objects.all()
    qs = HumanTask.objects.filter(state__in=HumanTask.ACTIVE_STATES).select_related(
        "cycle_report__cycle", "cycle_report__report", "assignee"
    )
    refused = null_characters_in(request.GET)
    filters = ManagerTaskFilter({} if refused else request.GET)
    filters.is_valid()  # an invalid value is ignored and named on the page; the valid ones apply
    tasks = _with_overdue_first(filters.apply(qs, timezone.now())) if not refused else HumanTask.objects.none()
    return render(
        request,
        "reviews/manager_tasks.html",
        {"tasks": tasks, "cycles": cycles, "kinds": [(s.kind, s.label) for s in registry.steps()], "filters": {} if refused else request.GET,
         "filter_form": filters, "refused": refused},
        status=400 if refused else 200,
    )
