"""Sample Selection's pages: the tester's sample page (population, method,
preview, submit) and the owner's approval of the sample. What every step's
page does (who may act, replays, submitting) is reviews.step_pages."""
from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from cycles.request_limits import accepts_uploads
from reviews.approvals import ApprovalForm
from reviews.step_pages import StepVisit

from . import draws, selection, selection_rules
from .errors import DrawError, PopulationError
from .forms import PopulationForm, SampleSelectionForm
from .models import Population
from .workflow_steps import SAMPLE_APPROVAL, SAMPLE_SELECTION


def _columns(cycle_report, population) -> list[tuple[int, str]]:
    """The attributes in scope that have a column in the population, in order."""
    columns = population.attribute_columns() if population else {}
    return [(pk, name) for pk, name, in_scope in selection.attributes_of(cycle_report) if in_scope and pk in columns]


def _rows(items, columns) -> list[tuple]:
    """(key, reason, [value per column]) for a table of records."""
    return [(key, reason, [values.get(str(pk), "") for pk, _ in columns]) for key, reason, values in items]


@accepts_uploads("POPULATION_MAX_BYTES")
@require_http_methods(["GET", "POST"])
def sample_selection(request, cycle_id: int, report_id: int):
    visit = StepVisit(request, cycle_id, report_id, SAMPLE_SELECTION, what="sample")
    population = Population.current_for(visit.cr)
    attributes = [(pk, name) for pk, name, _ in selection.attributes_of(visit.cr)]

    def selection_form(data=None):
        return SampleSelectionForm(data, population=population, attributes=attributes, default_size=visit.cr.cycle.sample_size)

    if visit.is_repeat():
        replayed = visit.replay(selection_form(request.POST))
        if replayed is not None:
            return replayed
    stop = visit.authorize()
    if stop is not None:
        return stop
    upload_form, form, preview = PopulationForm(), selection_form(), None
    if request.method == "POST" and "upload" in request.POST:
        upload_form = PopulationForm(request.POST, request.FILES)
        if upload_form.is_valid():
            data = upload_form.cleaned_data
            try:
                uploaded = selection.upload_population(visit.cr, data["file"], data["file"].name, data["key_column"], request.user)
            except PopulationError as problem:
                upload_form.add_error(None, problem.message)
            else:
                messages.success(request, f"Population version {uploaded.version} uploaded: {uploaded.rows:,} records.")
                return redirect(request.path)
    elif request.method == "POST":
        form = selection_form(request.POST)
        if form.is_valid():
            payload = form.payload()
            for field, problems in selection.check(visit.cr, payload).items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        if form.is_valid() and "preview" in request.POST:
            try:
                drawn = selection.draw_for(population, selection_rules.choice_of(payload), payload["seed"])
            except DrawError as problem:
                form.add_error(None, problem.message)
            else:
                preview = drawn
                if payload["seed"] is None and drawn.seed is not None:
                    # Submitted as previewed: the seed drawn is the one sent.
                    data = form.data.copy()
                    data["seed"] = drawn.seed
                    form.data = data
        elif form.is_valid():
            done = visit.submit(form)
            if done is not None:
                return done
    columns = _columns(visit.cr, population)
    previous = selection.current(visit.cr)
    decision = getattr(previous, "approval", None) if previous else None
    preview_rows = None
    if preview is not None:
        records = {r.pk: r.values for r in population.records.filter(pk__in=preview.record_ids)}
        preview_rows = _rows([(i.key, i.reason, records[i.record_id]) for i in preview.items], columns)
    bad = request.method == "POST" and (upload_form.errors or form.errors)
    return render(
        request,
        "sampling/sample_selection.html",
        {
            "cr": visit.cr,
            "task": visit.task,
            "on_behalf_of": visit.on_behalf_of,
            "delegation": visit.delegation,
            "population": population,
            "missing": [dict(attributes).get(pk, str(pk)) for pk in (population.missing_attributes if population else [])],
            "upload_form": upload_form,
            "form": form,
            "preview": preview,
            "description": draws.describe(preview) if preview else "",
            "columns": columns,
            "preview_rows": preview_rows,
            "previous": previous,
            "sent_back": decision if decision and not decision.approved else None,
            "default_size": visit.cr.cycle.sample_size,
        },
        status=400 if bad else 200,
    )


@require_http_methods(["GET", "POST"])
def sample_approval(request, cycle_id: int, report_id: int):
    visit = StepVisit(request, cycle_id, report_id, SAMPLE_APPROVAL, what="decision")
    if visit.is_repeat():
        replayed = visit.replay(ApprovalForm(request.POST))
        if replayed is not None:
            return replayed
    stop = visit.authorize()
    if stop is not None:
        return stop
    form = ApprovalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = visit.submit(form)
        if done is not None:
            return done
    sample_set = selection.current(visit.cr)
    columns = _columns(visit.cr, sample_set.population if sample_set else None)
    rows = _rows(
        [(i.record.key, i.reason, i.record.values) for i in selection.items(sample_set)] if sample_set else [], columns
    )
    return render(
        request,
        "sampling/sample_approval.html",
        {
            "cr": visit.cr,
            "task": visit.task,
            "on_behalf_of": visit.on_behalf_of,
            "delegation": visit.delegation,
            "form": form,
            "sample_set": sample_set,
            "columns": columns,
            "rows": rows,
            "changes": selection.changes_since_previous(sample_set) if sample_set else None,
        },
        status=400 if request.method == "POST" else 200,
    )
