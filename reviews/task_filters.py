"""The manager's task filters, validated like any other input: a query
string is typed by people and scripts too."""
from __future__ import annotations

from django import forms
from django.db.models import Q

from cycles.registry import registry

MAX_ID = 2**63 - 1


def refuse_null_characters(view):
    """A 400 naming the fields, before any form looks a NUL up in PostgreSQL
    (which cannot even compare one: a 500 otherwise)."""
    from functools import wraps

    from django.http import HttpResponseBadRequest

    @wraps(view)
    def checked(request, *args, **kwargs):
        bad = sorted({*null_characters_in(request.GET), *null_characters_in(request.POST)})
        if bad:
            return HttpResponseBadRequest(f"Refused: null characters in {', '.join(bad)}.", content_type="text/plain")
        return view(request, *args, **kwargs)

    return checked


def null_characters_in(query) -> list[str]:
    """Parameters carrying NUL: never a filter anyone meant, and PostgreSQL
    cannot even compare them; the page answers 400 rather than guess."""
    return sorted({name for name, values in query.lists() for v in values if "\x00" in v or "\x00" in name})


class ManagerTaskFilter(forms.Form):
    cycle = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    kind = forms.ChoiceField(required=False)
    # Part of a username or a name: people remember "olivia", not "oowner2".
    assignee = forms.CharField(required=False, max_length=150)
    report = forms.CharField(required=False, max_length=200)
    # "1" is what the page's checkbox sends; anything else is not a choice.
    overdue = forms.ChoiceField(required=False, choices=[("", "All"), ("1", "Overdue only")])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "All"), *((step.kind, step.label) for step in registry.steps())]

    def apply(self, tasks, now):
        """The tasks that pass the filters whose values are valid."""
        f = self.cleaned_data
        if f.get("cycle"):
            tasks = tasks.filter(cycle_report__cycle_id=f["cycle"])
        if f.get("kind"):
            tasks = tasks.filter(kind=f["kind"])
        if f.get("assignee", "").strip():
            tasks = tasks.filter(_partial_name(f["assignee"].strip()))
        if f.get("report", "").strip():
            tasks = tasks.filter(cycle_report__report__name__icontains=f["report"].strip())
        if f.get("overdue") == "1":
            tasks = tasks.filter(due_at__lt=now)
        return tasks


def _partial_name(text: str) -> Q:
    """Each word of `text` in the holder's username, first or last name."""
    q = Q()
    for word in text.split():
        q &= (
            Q(assignee__username__icontains=word)
            | Q(assignee__first_name__icontains=word)
            | Q(assignee__last_name__icontains=word)
        )
    return q
