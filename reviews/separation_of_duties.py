"""Separation of duties: nobody approves what they submitted, nor what was
submitted for them.

The submitter of record is two people: whoever pressed "submit" and whoever
it was submitted for (a delegate submits on someone's behalf). Neither may
act on the step that approves it, by any path. Each step declares who is
barred (cycles.registry.HumanStep.barred); this module is the one rule every
path calls: the step pages and the API, the submit service and reassignment
(admin action and API). The task-opening activity hands the same people to
the workflow's validator, and each approval's row carries a database
constraint against them."""
from __future__ import annotations

from django.contrib.auth import get_user_model

from cycles.registry import registry


class SeparationOfDuties(Exception):
    """The person, or the person they act for, submitted what is to be approved."""


def people_of_record(record) -> set[int]:
    """Who submitted a phase's record (a review, a sample, evidence) and for
    whom: the people barred from approving it. None: nobody."""
    return {record.submitted_by_id, record.on_behalf_of_id} if record else set()


def barred(cycle_report, kind: str) -> set[int]:
    """Ids of the people who may not act on this step of this report now."""
    return {pk for pk in registry.step(kind).barred(cycle_report) if pk is not None}


def barred_usernames(cycle_report, kind: str) -> list[str]:
    ids = barred(cycle_report, kind)
    if not ids:
        return []
    return sorted(get_user_model().objects.filter(pk__in=ids).values_list("username", flat=True))


def check(cycle_report, kind: str, user, on_behalf_of) -> None:
    """Raise SeparationOfDuties if `user`, or the person they act for, is barred."""
    people = barred(cycle_report, kind)
    if not people:
        return
    what = registry.step(kind).approves or "work"
    if user.pk in people:
        raise SeparationOfDuties(
            f"You submitted this {what}, or it was submitted for you; someone else must approve it."
        )
    if on_behalf_of is not None and on_behalf_of.pk in people:
        raise SeparationOfDuties(
            f"You act for {on_behalf_of.get_username()}, who submitted this {what} or had it submitted "
            "for them; nobody can approve it on their behalf."
        )


def check_assignee(cycle_report, kind: str, user) -> None:
    """For reassignment: the new assignee must not be barred."""
    if user.pk in barred(cycle_report, kind):
        what = registry.step(kind).approves or "work"
        raise SeparationOfDuties(
            f"{user.get_username()} submitted the {what}, or it was submitted for them, "
            "and cannot approve it (separation of duties)."
        )
