"""Scoping's pages: the tester's review and the report owner's approval.
What every step's page does (who may act, replays, submitting) is
reviews.step_pages; these add the forms and what they show."""
from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from reviews.approvals import ApprovalForm
from reviews.step_pages import StepVisit

from . import queries, review_rows, version_diff
from .models import ScopingSubmission
from .forms import TesterReviewForm
from .workflow_steps import REPORT_OWNER_APPROVAL, TESTER_REVIEW


@require_http_methods(["GET", "POST"])
def tester_review(request, cycle_id: int, report_id: int):
    visit = StepVisit(request, cycle_id, report_id, TESTER_REVIEW, what="review")
    accept_all = "accept_all" in request.POST
    if visit.is_repeat():
        form = TesterReviewForm(request.POST, recommendations=queries.recommendations(visit.cr), accept_all=accept_all)
        replayed = visit.replay(form)
        if replayed is not None:
            return replayed
    stop = visit.authorize()
    if stop is not None:
        return stop
    current = queries.current_submission(visit.cr)
    form = TesterReviewForm(
        request.POST or None,
        recommendations=queries.recommendations(visit.cr),
        previous=queries.decisions_by_attribute(current),
        accept_all=accept_all,
    )
    if request.method == "POST" and form.is_valid():
        done = visit.submit(form)
        if done is not None:
            return done
    rows = form.rows()
    return render(
        request,
        "scoping/tester_review.html",
        {
            "cr": visit.cr,
            "task": visit.task,
            "form": form,
            "rows": rows,
            "rows_html": review_rows.rows_html(rows),
            "on_behalf_of": visit.on_behalf_of,
            "owner_feedback": getattr(current, "owner_decision", None) if current else None,
            "previous_version": current,
            "delegation": visit.delegation,
            "problems": form.problems() if form.is_bound else [],
        },
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
def owner_approval(request, cycle_id: int, report_id: int):
    visit = StepVisit(request, cycle_id, report_id, REPORT_OWNER_APPROVAL, what="decision")
    if visit.is_repeat():
        replayed = visit.replay(ApprovalForm(request.POST))
        if replayed is not None:
            return replayed
    stop = visit.authorize()
    if stop is not None:
        return stop
    current = queries.current_submission(visit.cr)
    decisions = queries.decisions_by_attribute(current)
    rows = [(rec, decisions.get(rec.attribute_id)) for rec in queries.recommendations(visit.cr)]
    form = ApprovalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = visit.submit(form)
        if done is not None:
            return done
    included = sum(1 for _, d in rows if d and d.include)
    # Round 2 and later: what the tester changed since the version sent back.
    previous = (
        ScopingSubmission.objects.filter(cycle_report=visit.cr, version=current.version - 1).first()
        if current and current.version > 1
        else None
    )
    return render(
        request,
        "scoping/owner_approval.html",
        {
            "cr": visit.cr,
            "task": visit.task,
            "form": form,
            "rows": rows,
            "submission": current,
            "included": included,
            "excluded": len(rows) - included,
            "overrides": [(rec, d) for rec, d in rows if d and d.overrides_recommendation],
            "on_behalf_of": visit.on_behalf_of,
            "previous": previous,
            "changes": version_diff.diff(previous, current) if previous else None,
            "delegation": visit.delegation,
        },
        status=400 if request.method == "POST" else 200,
    )
