"""A cycle's Scoping decisions for examiners, as CSV and as an Excel workbook
(openpyxl): one row per attribute per submitted version, with the
recommendation it started from, the decision and its rationale, who decided,
for whom, when, and what the report owner answered to that version."""
from __future__ import annotations

import io
from datetime import timezone as dt_timezone

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from cycles import roles
from cycles.models import TestCycle

from . import csv_export
from .models import Recommendation, ScopingDecision

COLUMNS = [
    "report", "attribute_line", "attribute", "primary_key",
    "recommended", "risk_score", "recommendation_source", "recommendation_rationale",
    "version", "version_state", "decision", "overrides_recommendation", "rationale",
    "submitted_by", "submitted_for", "submitted_at_utc",
    "owner_outcome", "owner_decided_by", "owner_decided_for", "owner_decided_at_utc", "owner_comments",
]


def _in_out(include) -> str:
    return "" if include is None else ("in scope" if include else "out of scope")


def _at(moment) -> str:
    return moment.astimezone(dt_timezone.utc).isoformat() if moment else ""


def _name(user) -> str:
    return user.get_username() if user else ""


def rows(cycle):
    """Header, then the rows (three queries, whatever the size)."""
    recs = {
        (r.cycle_report_id, r.attribute_id): r
        for r in Recommendation.objects.filter(cycle_report__cycle=cycle).only(
            "cycle_report_id", "attribute_id", "include", "risk_score", "source", "rationale"
        )
    }
    decisions = (
        ScopingDecision.objects.filter(submission__cycle_report__cycle=cycle)
        .select_related(
            "attribute", "submission__cycle_report__report", "submission__submitted_by", "submission__on_behalf_of",
            "submission__owner_decision__decided_by", "submission__owner_decision__on_behalf_of",
        )
        .order_by("submission__cycle_report__report__name", "submission__version", "attribute__line_number", "id")
    )
    yield COLUMNS
    for d in decisions.iterator(chunk_size=2000):
        sub = d.submission
        rec = recs.get((sub.cycle_report_id, d.attribute_id))
        owner = getattr(sub, "owner_decision", None)
        yield [
            sub.cycle_report.report.name, d.attribute.line_number, d.attribute.name, "yes" if d.attribute_is_primary_key else "no",
            _in_out(rec.include if rec else None), rec.risk_score if rec else "", rec.source if rec else "",
            rec.rationale if rec else "",
            sub.version, "superseded" if sub.superseded_at else "current", _in_out(d.include),
            "yes" if d.overrides_recommendation else "no", d.rationale,
            _name(sub.submitted_by), _name(sub.on_behalf_of), _at(sub.submitted_at),
            owner.get_outcome_display() if owner else "", _name(owner.decided_by) if owner else "",
            _name(owner.on_behalf_of) if owner else "", _at(owner.decided_at) if owner else "",
            owner.comments if owner else "",
        ]


def _cycle(request, cycle_id: int) -> TestCycle:
    if not roles.is_manager(request.user):
        raise PermissionDenied("Only test managers and admins can export a cycle's decisions.")
    return get_object_or_404(TestCycle, pk=cycle_id)


@require_safe
def decisions_csv(request, cycle_id: int):
    cycle = _cycle(request, cycle_id)
    return csv_export.response(rows(cycle), f"cycle-{cycle.pk}-scoping-decisions.csv")


@require_safe
def decisions_xlsx(request, cycle_id: int):
    from openpyxl import Workbook

    cycle = _cycle(request, cycle_id)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Scoping decisions")
    for row in rows(cycle):
        # Text typed by people starting with "=" would be a formula in Excel too.
        sheet.append([csv_export.safe(c) if isinstance(c, str) else c for c in row])
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="cycle-{cycle.pk}-scoping-decisions.xlsx"'
    return response
