"""A person's own page: their roles, and their out-of-office delegation
(who acts on their tasks while they are away), set by themselves."""
from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from cycles.templatetags.plain_words import format_person

from . import delegations, eligibility
from .models import Delegation, DelegationChange
from .task_filters import refuse_null_characters

MAX_DAYS = 366


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_default_timezone())


class OutOfOfficeForm(forms.Form):
    delegate = forms.ModelChoiceField(queryset=None, to_field_name="username", label="Who acts for me",
                                      empty_label="Choose a person")
    first_day = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    last_day = forms.DateField(label="Until (included)", widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(max_length=500, initial="Out of office")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["delegate"].queryset = eligibility.eligible_delegates(user)
        self.fields["delegate"].label_from_instance = format_person

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("first_day"), cleaned.get("last_day")
        if not (first and last):
            return cleaned
        today = timezone.localdate()
        if first < today:
            self.add_error("first_day", "Start today or later.")
        if last < first:
            self.add_error("last_day", "The last day comes on or after the first.")
        elif (last - first).days >= MAX_DAYS:
            self.add_error("last_day", f"At most {MAX_DAYS} days; set another one after that.")
        if self.errors:
            return cleaned
        starts = timezone.now() if first == today else _local_midnight(first)
        ends = _local_midnight(last + dt.timedelta(days=1))
        overlapping = Delegation.objects.filter(delegator=self.user, starts_at__lt=ends, ends_at__gt=starts).first()
        if overlapping:
            raise ValidationError(
                f"You already have a delegation to {format_person(overlapping.delegate)} until "
                f"{overlapping.last_day:%d %b %Y} that overlaps these days; end it first."
            )
        self.delegation = Delegation(
            delegator=self.user, delegate=cleaned["delegate"], starts_at=starts, ends_at=ends,
            reason=cleaned["reason"], created_by=self.user,
        )
        try:
            self.delegation.full_clean(exclude=["created_by"])
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        return cleaned


def _page(request, form, status=200):
    user = request.user
    now = timezone.now()
    mine = Delegation.objects.filter(delegator=user, ends_at__gt=now).select_related("delegate").order_by("starts_at")
    for_me = Delegation.objects.filter(delegate=user, ends_at__gt=now).select_related("delegator").order_by("starts_at")
    history = (
        DelegationChange.objects.filter(Q(delegator=user) | Q(delegate=user))
        .select_related("delegator", "delegate", "changed_by")
        .order_by("-at", "-id")[:50]
    )
    return render(
        request,
        "reviews/profile.html",
        {
            "form": form,
            "roles": list(user.groups.order_by("name").values_list("name", flat=True)),
            "mine": mine,
            "for_me": for_me,
            "history": history,
            "can_delegate": bool(eligibility.delegate_roles(user)),
            "now": now,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@refuse_null_characters
def profile(request):
    form = OutOfOfficeForm(request.POST if request.method == "POST" else None, user=request.user, initial={"first_day": timezone.localdate()})
    if request.method == "POST":
        valid = form.is_valid()
        if not eligibility.delegate_roles(request.user):
            form.add_error(None, "You hold no tasks anyone could act on for you (tester or report owner).")
        elif valid:
            d = delegations.save(form.delegation, request.user)
            messages.success(
                request, f"{format_person(d.delegate)} acts on your tasks until {d.last_day:%a %d %b %Y}."
            )
            return redirect("reviews:profile")
        return _page(request, form, status=400)
    return _page(request, form)


@require_POST
@refuse_null_characters
def end_delegation(request, delegation_id: int):
    """Back early: the delegator ends their own delegation (or cancels one to come)."""
    d = get_object_or_404(Delegation, pk=delegation_id, delegator=request.user)
    delegations.end_now(d, request.user)
    messages.success(request, f"Your delegation to {format_person(d.delegate)} is over.")
    return redirect("reviews:profile")
