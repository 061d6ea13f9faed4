"""Each version of a report's Scoping review, readable by whoever may see
the report, with what changed since the version before."""
from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from reviews.step_pages import visible_cycle_report

from . import version_diff
from .models import ScopingDecision, ScopingSubmission


@require_safe
def version(request, cycle_id: int, report_id: int, version: int):
    cr = visible_cycle_report(request, cycle_id, report_id)
    submission = (
        ScopingSubmission.objects.filter(cycle_report=cr, version=version)
        .select_related("submitted_by", "on_behalf_of", "owner_decision__decided_by", "owner_decision__on_behalf_of")
        .first()
    )
    if submission is None:
        raise Http404("No such version")
    previous = ScopingSubmission.objects.filter(cycle_report=cr, version=version - 1).first()
    decisions = (
        ScopingDecision.objects.filter(submission=submission)
        .select_related("attribute")
        .order_by("attribute__line_number", "attribute_id")
    )
    return render(
        request,
        "scoping/version.html",
        {
            "cr": cr,
            "submission": submission,
            "decisions": decisions,
            "previous": previous,
            "changes": version_diff.diff(previous, submission) if previous else None,
            "last_version": ScopingSubmission.objects.filter(cycle_report=cr).order_by("-version").values_list("version", flat=True).first(),
        },
    )
