"""The task lists: a person's inbox and the manager's view of every open
task. A step's own page belongs to its phase app (with reviews.step_pages)."""
from __future__ import annotations

from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from . import human_tasks


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


# The manager's queue lives in manager_views; the name stays importable.
from .manager_views import manager_tasks  # noqa: E402,F401
