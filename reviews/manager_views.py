"""The test manager's queue: every open task, who holds it and since when,
filters by partial names, and reassignment in the app itself (one task, or
everything a person going on leave holds). Test managers and admins only."""
from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Case, DateTimeField, IntegerField, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from cycles import roles
from cycles.models import TestCycle
from cycles.registry import registry

from . import eligibility
from .models import HumanTask, Reassignment
from .reassignment import MAX_REASON, ReassignRefused, reassign, reassign_all_of
from .task_filters import ManagerTaskFilter, null_characters_in, refuse_null_characters

User = get_user_model()


def _managers_only(request) -> None:
    if not roles.is_manager(request.user):
        raise PermissionDenied("Only test managers and admins see every task.")


def open_tasks_with_holding_since():
    """Every active task with `held_since`: when its holder got it (the last
    reassignment, else the opening), in the same query."""
    last_move = Reassignment.objects.filter(task=OuterRef("pk")).order_by("-reassigned_at", "-id").values("reassigned_at")[:1]
    now = timezone.now()
    return (
        HumanTask.objects.filter(state__in=HumanTask.ACTIVE_STATES)
        .select_related("cycle_report__cycle", "cycle_report__report", "assignee")
        .annotate(
            held_since=Coalesce(Subquery(last_move, output_field=DateTimeField()), "opened_at"),
            overdue=Case(When(due_at__lt=now, then=Value(1)), default=Value(0), output_field=IntegerField()),
        )
        .order_by("-overdue", "due_at", "id")
    )


@require_safe
def manager_tasks(request):
    _managers_only(request)
    refused = null_characters_in(request.GET)
    filters = ManagerTaskFilter({} if refused else request.GET)
    filters.is_valid()  # an invalid value is ignored and named on the page; the valid ones apply
    tasks = filters.apply(open_tasks_with_holding_since(), timezone.now()) if not refused else HumanTask.objects.none()
    filtered = any(v for k, v in request.GET.items() if k in filters.fields)
    return render(
        request,
        "reviews/manager_tasks.html",
        {
            "tasks": tasks,
            "cycles": TestCycle.objects.all(),
            "kinds": [(s.kind, s.label) for s in registry.steps()],
            "filters": {} if refused else request.GET,
            "filtered": filtered,
            "filter_form": filters,
            "refused": refused,
            "holders": _holders(),
        },
        status=400 if refused else 200,
    )


def _holders():
    """People who hold at least one open task (the bulk form's "from")."""
    return (
        User.objects.filter(tasks__state__in=HumanTask.ACTIVE_STATES).distinct().order_by("last_name", "first_name", "username")
    )


class ReassignTaskForm(forms.Form):
    to = forms.ModelChoiceField(queryset=User.objects.none(), to_field_name="username", label="Reassign to",
                                empty_label="Choose a person")
    reason = forms.CharField(max_length=MAX_REASON, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="Kept in the audit trail and told to both people.")

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = people
        self.fields["to"].label_from_instance = lambda u: _name(u)


def _name(user) -> str:
    from cycles.templatetags.plain_words import format_person

    return format_person(user)


@require_http_methods(["GET", "POST"])
@refuse_null_characters
def reassign_task(request, task_id: int):
    """One task to another eligible person, with a reason."""
    _managers_only(request)
    task = get_object_or_404(
        HumanTask.objects.select_related("cycle_report__cycle", "cycle_report__report", "assignee"), pk=task_id
    )
    if not task.is_active:
        messages.error(request, f"This task is {task.get_state_display().lower()}; only open tasks can be reassigned.")
        return redirect("reviews:manager_tasks")
    people = eligibility.eligible_assignees(task)
    form = ReassignTaskForm(request.POST if request.method == "POST" else None, people=people)
    status = 200
    if request.method == "POST":
        if "to" in form.errors and request.POST.get("to"):
            why = eligibility.why_not(task, request.POST["to"])
            if why:
                form.errors["to"] = form.error_class([why])
        if form.is_valid():
            try:
                reassign(task.pk, form.cleaned_data["to"].username, form.cleaned_data["reason"], request.user)
            except ReassignRefused as refusal:
                form.add_error(None, str(refusal))
            else:
                messages.success(request, f"{task.label} of {task.cycle_report.report.name} reassigned to {_name(form.cleaned_data['to'])}.")
                return redirect("reviews:manager_tasks")
        status = 400
    return render(request, "reviews/reassign_task.html", {"task": task, "form": form, "people": people}, status=status)


class ReassignPersonForm(forms.Form):
    holder = forms.ModelChoiceField(queryset=User.objects.none(), to_field_name="username", label="Everything held by",
                                    empty_label="Choose a person")
    to = forms.ModelChoiceField(queryset=User.objects.none(), to_field_name="username", label="Reassign to",
                                empty_label="Choose a person")
    reason = forms.CharField(max_length=MAX_REASON, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["holder"].queryset = _holders()
        # Anyone who could hold some task; each task is then checked on its own.
        self.fields["to"].queryset = (
            User.objects.filter(is_active=True, groups__name__in=[r for s in registry.steps() for r in [s.role]])
            .distinct()
            .order_by("last_name", "first_name", "username")
        )
        for name in ("holder", "to"):
            self.fields[name].label_from_instance = _name

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("holder") and cleaned.get("to") and cleaned["holder"] == cleaned["to"]:
            self.add_error("to", "Choose someone other than the person whose tasks move.")
        return cleaned


@require_http_methods(["GET", "POST"])
@refuse_null_characters
def reassign_person(request):
    """Everything one person holds, to another (leave, departure)."""
    _managers_only(request)
    form = ReassignPersonForm(request.POST if request.method == "POST" else None, initial={"holder": request.GET.get("holder")})
    if request.method == "POST" and form.is_valid():
        holder, to = form.cleaned_data["holder"], form.cleaned_data["to"]
        try:
            moved, refused = reassign_all_of(holder, to.username, form.cleaned_data["reason"], request.user)
        except ReassignRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            if moved:
                messages.success(request, f"{len(moved)} task(s) of {_name(holder)} reassigned to {_name(to)}.")
            for task, why in refused:
                messages.error(request, f"Not moved: {task.label} of {task.cycle_report.report.name}: {why}")
            if not moved and not refused:
                messages.info(request, f"{_name(holder)} holds no open task.")
            return redirect("reviews:manager_tasks")
    return render(request, "reviews/reassign_person.html", {"form": form}, status=400 if request.method == "POST" else 200)
