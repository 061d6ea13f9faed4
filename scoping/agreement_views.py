"""The model-versus-people page and its CSV, per cycle (test managers and
admins): the same content as GET /api/cycles/{id}/recommendation-agreement."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from cycles import roles
from cycles.models import TestCycle

from . import agreement, csv_export

METRICS = ["attributes", "overrides", "override_rate", "fallbacks", "approved_attributes", "agreed", "agreement_rate"]


def _cycle(request, cycle_id: int) -> TestCycle:
    if not roles.is_manager(request.user):
        raise PermissionDenied("Only test managers and admins see how people and the model agreed.")
    return get_object_or_404(TestCycle.objects.select_related("test_manager"), pk=cycle_id)


@require_safe
def page(request, cycle_id: int):
    cycle = _cycle(request, cycle_id)
    result = agreement.for_cycle(cycle)
    return render(
        request,
        "scoping/recommendation_agreement.html",
        {
            "cycle": cycle,
            "by_source": result.by_source(),
            "by_flag": result.by_flag(),
            "by_tester": result.by_tester(),
            "overrides": result.overrides(),
            "reviews": result.reviews,
        },
    )


@require_safe
def csv_download(request, cycle_id: int):
    cycle = _cycle(request, cycle_id)
    return csv_export.response(rows(agreement.for_cycle(cycle), cycle), f"cycle-{cycle.pk}-recommendation-agreement.csv")


def rows(result: agreement.Agreement, cycle):
    """One CSV in sections (a title row, a header row, the rows, a blank row),
    in the page's order."""
    yield ["Recommendation agreement", cycle.name]
    yield []
    for title, key, groups in (
        ("By recommendation source", "source", result.by_source()),
        ("By attribute flag", "flag", result.by_flag()),
        ("By tester", "tester", result.by_tester()),
    ):
        yield [title]
        yield [key, *METRICS] + (["reviews", "median_review_seconds"] if key == "tester" else [])
        for g in groups:
            extra = [len(g["reviews"]), g["median_review_seconds"]] if key == "tester" else []
            yield [g[key], *[g[m] for m in METRICS], *extra]
        yield []
    yield ["Overrides"]
    yield ["report_id", "report", "attribute_id", "attribute", "source", "recommended_include", "decided_include",
           "rationale", "decided_by", "version", "final"]
    for d in result.overrides():
        yield [d.report_id, d.report, d.attribute_id, d.attribute, d.source, d.recommended_include,
               d.decided_include, d.rationale, d.decided_by, d.version, d.final]
    yield []
    yield ["Time per review"]
    yield ["report_id", "report", "version", "tester", "on_behalf_of", "opened_at", "submitted_at", "seconds"]
    for r in result.reviews:
        yield [r.report_id, r.report, r.version, r.tester, r.on_behalf_of,
               r.opened_at.isoformat() if r.opened_at else "", r.submitted_at.isoformat(), r.seconds]
