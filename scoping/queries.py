"""Reads for pages and the API, each in a constant number of queries."""
from __future__ import annotations

from cycles.models import ReportAttribute

from .models import Recommendation, ScopingDecision, ScopingSubmission


def attributes(cycle_report):
    """The report's attributes for this cycle: those it was started with, or
    before it starts, the report's catalogue as it stands."""
    frozen = ReportAttribute.objects.filter(cycle_reports__cycle_report=cycle_report)
    if cycle_report.workflow_run_id or frozen.exists():
        return frozen.order_by("line_number", "id")
    return ReportAttribute.current().filter(report_id=cycle_report.report_id).order_by("line_number", "id")


def recommendations(cycle_report):
    return (
        Recommendation.objects.filter(cycle_report=cycle_report)
        .select_related("attribute")
        .order_by("attribute__line_number", "attribute_id")
    )


def current_submission(cycle_report):
    return (
        ScopingSubmission.objects.filter(cycle_report=cycle_report, superseded_at__isnull=True)
        .select_related("submitted_by", "on_behalf_of")
        .first()
    )


def decisions_by_attribute(submission) -> dict:
    if submission is None:
        return {}
    return {d.attribute_id: d for d in ScopingDecision.objects.filter(submission=submission)}


def history(cycle_report):
    return (
        ScopingSubmission.objects.filter(cycle_report=cycle_report)
        .select_related("submitted_by", "on_behalf_of", "owner_decision__decided_by", "owner_decision__on_behalf_of")
        .order_by("-version")
    )


def in_scope(submission):
    """The attributes a version puts in scope, with its decisions."""
    return (
        ScopingDecision.objects.filter(submission=submission, include=True)
        .select_related("attribute")
        .order_by("attribute__line_number", "attribute_id")
    )
