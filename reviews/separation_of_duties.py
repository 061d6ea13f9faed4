"""Separation of duties: nobody approves what they submitted, nor what was
submitted for them.

The reviewer of record is two people: whoever pressed "submit" and whoever it
was submitted for (a delegate submits on someone's behalf). Neither may
approve, by any path. This module is the one rule; the approval form and API,
the submit service and reassignment (admin action and API) call it, the
activity that opens an approval hands the same people to the workflow's
validator, and the database refuses an approval by either (constraints on the
decision row)."""
from __future__ import annotations

from cycles import workflow_types as t


class SeparationOfDuties(Exception):
    """The person, or the person they act for, submitted what is to be approved."""


def barred(cycle_report, kind: str) -> set[int]:
    """Ids of the people who may not act on this step of this report now."""
    if kind != t.REPORT_OWNER_APPROVAL:
        return set()
    from scoping.queries import current_submission

    review = current_submission(cycle_report)
    if review is None:
        return set()
    return {review.submitted_by_id, review.on_behalf_of_id}


def barred_usernames(cycle_report, kind: str) -> list[str]:
    from django.contrib.auth import get_user_model

    ids = barred(cycle_report, kind)
    if not ids:
        return []
    return sorted(get_user_model().objects.filter(pk__in=ids).values_list("username", flat=True))


def check(cycle_report, kind: str, user, on_behalf_of) -> None:
    """Raise SeparationOfDuties if `user`, or the person they act for, is barred."""
    people = barred(cycle_report, kind)
    if not people:
        return
    if user.pk in people:
        raise SeparationOfDuties(
            "You submitted this review, or it was submitted for you; someone else must approve it."
        )
    if on_behalf_of is not None and on_behalf_of.pk in people:
        raise SeparationOfDuties(
            f"You act for {on_behalf_of.get_username()}, who submitted this review or had it submitted "
            "for them; nobody can approve it on their behalf."
        )


def check_assignee(cycle_report, kind: str, user) -> None:
    """For reassignment: the new assignee must not be barred."""
    if user.pk in barred(cycle_report, kind):
        raise SeparationOfDuties(
            f"{user.get_username()} submitted the review, or it was submitted for them, "
            "and cannot approve it (separation of duties)."
        )
