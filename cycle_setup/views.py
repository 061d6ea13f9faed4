"""Pages for test managers: create a cycle, add its reports, assign their
people (one report or many), load each report's catalogue (preview, then
confirm), start the cycle, and watch it on the dashboard. Thin: forms
validate, the services in cycles/ act."""
from __future__ import annotations

import csv
import hashlib

from django.contrib import messages
from django.db import transaction
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cycles.catalogue_import import import_catalogue
from cycles.cycle_membership import People, SetupError, add_report, assign
from cycles.cycle_start import start_cycle, with_attribute_counts
from cycles.models import CycleReport, Report, TestCycle
from cycles.request_limits import accepts_uploads
from cycles.workflow_start import TemporalUnavailable

from . import dashboard as board
from .forms import AddReportForm, BulkAssignForm, CatalogueForm, CycleForm, PeopleForm
from .models import CatalogueUpload
from .permissions import manager_required

PEOPLE = ("tester", "report_owner", "data_provider")


@require_http_methods(["GET", "HEAD", "POST"])
@manager_required
def cycle_create(request):
    form = CycleForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        cycle = form.save(commit=False)
        cycle.test_manager = request.user
        cycle.save()
        messages.success(request, f"Cycle {cycle.name} created: add its reports.")
        return redirect("cycle_setup:setup", cycle.pk)
    return render(request, "cycle_setup/cycle_form.html", {"form": form}, status=400 if form.errors else 200)


def _reports(cycle):
    return with_attribute_counts(
        CycleReport.objects.filter(cycle=cycle).select_related("report", "tester", "report_owner", "data_provider")
    ).order_by("report__name")


def _setup_page(request, cycle, add_form=None, assign_form=None, status=200):
    reports = list(_reports(cycle))
    return render(
        request,
        "cycle_setup/setup.html",
        {
            "cycle": cycle,
            "reports": reports,
            "add_form": add_form or AddReportForm(cycle=cycle),
            "assign_form": assign_form or BulkAssignForm(),
            "startable": sum(1 for cr in reports if not cr.workflow_run_id),
        },
        status=status,
    )


@require_safe
@manager_required
def setup(request, cycle_id: int):
    return _setup_page(request, get_object_or_404(TestCycle, pk=cycle_id))


def _form_people(data) -> People:
    return People(**{f: data.get(f) for f in PEOPLE})


@require_POST
@manager_required
def add(request, cycle_id: int):
    cycle = get_object_or_404(TestCycle, pk=cycle_id)
    form = AddReportForm(request.POST, cycle=cycle)
    if form.is_valid():
        data = form.cleaned_data
        try:
            cr = add_report(
                cycle,
                report=data["report"],
                new_report={"name": data["new_name"], "regulation": data["new_regulation"]} if not data["report"] else None,
                people=_form_people(data),
            )
        except SetupError as error:
            for field, message in error.errors.items():
                form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, f"{cr.report.name} added to the cycle.")
            return redirect("cycle_setup:setup", cycle.pk)
    return _setup_page(request, cycle, add_form=form, status=400)


@require_POST
@manager_required
def bulk_assign(request, cycle_id: int):
    cycle = get_object_or_404(TestCycle, pk=cycle_id)
    crs = {str(cr.report_id): cr for cr in CycleReport.objects.filter(cycle=cycle).select_related("report", *PEOPLE)}
    form = BulkAssignForm(request.POST, report_choices=[(k, cr.report.name) for k, cr in crs.items()])
    if form.is_valid():
        chosen = [crs[k] for k in form.cleaned_data["reports"]]
        changes = {f: form.cleaned_data[f] for f in PEOPLE if form.cleaned_data.get(f)}
        try:
            count = assign(chosen, changes)
        except SetupError as error:
            for message in error.errors.values():
                form.add_error(None, message)
        else:
            messages.success(request, f"{count} report{'s' if count != 1 else ''} assigned.")
            return redirect("cycle_setup:setup", cycle.pk)
    return _setup_page(request, cycle, assign_form=form, status=400)


@require_http_methods(["GET", "HEAD", "POST"])
@manager_required
def people(request, cycle_id: int, report_id: int):
    cr = get_object_or_404(CycleReport.objects.select_related("cycle", "report", *PEOPLE), cycle_id=cycle_id, report_id=report_id)
    form = PeopleForm(request.POST if request.method == "POST" else None, initial={f: getattr(cr, f"{f}_id") for f in PEOPLE})
    if request.method == "POST" and form.is_valid():
        try:
            assign([cr], {f: form.cleaned_data.get(f) for f in PEOPLE})
        except SetupError as error:
            for message in error.errors.values():
                form.add_error(None, message)
        else:
            messages.success(request, f"People of {cr.report.name} saved.")
            return redirect("cycle_setup:setup", cr.cycle_id)
    return render(request, "cycle_setup/people_form.html", {"cr": cr, "form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET", "HEAD", "POST"])
@accepts_uploads("CATALOGUE_MAX_BYTES")
@manager_required
def catalogue(request, report_id: int):
    """Upload a catalogue: the preview of what it changes, and every error."""
    report = get_object_or_404(Report, pk=report_id)
    form = CatalogueForm(request.POST, request.FILES) if request.method == "POST" else CatalogueForm()
    cycle = request.GET.get("cycle", "")
    # Only where to go back to: anything but an id is ignored.
    context = {"report": report, "form": form, "cycle_id": cycle if cycle.isdigit() and len(cycle) < 19 else ""}
    if request.method == "POST" and form.is_valid():
        file = form.cleaned_data["file"]
        data = file.read()
        plan = import_catalogue(report, file.name, data, dry_run=True)
        context["plan"] = plan
        if not plan.errors:
            # A new preview replaces this person's earlier ones never confirmed.
            CatalogueUpload.objects.filter(report=report, uploaded_by=request.user, applied_at__isnull=True).delete()
            context["upload"] = CatalogueUpload.objects.create(
                report=report, filename=file.name.replace("\x00", "")[:255], content=data,
                sha256=hashlib.sha256(data).hexdigest(), uploaded_by=request.user,
            )
        return render(request, "cycle_setup/catalogue_preview.html", context, status=400 if plan.errors else 200)
    return render(request, "cycle_setup/catalogue_upload.html", context, status=400 if form.errors else 200)


@require_POST
@manager_required
def catalogue_confirm(request, report_id: int, upload_id: int):
    """Save the previewed file, once; all or nothing."""
    with transaction.atomic():
        upload = get_object_or_404(
            CatalogueUpload.objects.select_for_update(), pk=upload_id, report_id=report_id, uploaded_by=request.user
        )
        if upload.applied_at is not None:
            messages.info(request, "This catalogue was saved already.")
            return _back(request, report_id)
        plan = import_catalogue(upload.report, upload.filename, bytes(upload.content), dry_run=False)
        if plan.errors:  # cannot happen for a previewed file, unless the limits changed
            messages.error(request, f"Not saved: {plan.errors[0].message}")
            return _back(request, report_id)
        upload.applied_at = timezone.now()
        upload.content = b""  # no need to keep the bytes once applied
        upload.save(update_fields=["applied_at", "content"])
    messages.success(
        request,
        f"Catalogue saved: {len(plan.created)} created, {len(plan.updated)} updated, {len(plan.removed)} removed, {plan.unchanged} unchanged.",
    )
    return _back(request, report_id)


def _back(request, report_id: int):
    cycle = request.POST.get("cycle", "")
    if cycle.isdigit() and len(cycle) < 19:
        return redirect("cycle_setup:setup", int(cycle))
    return redirect("cycle_setup:catalogue", report_id)


@require_POST
@manager_required
def start(request, cycle_id: int):
    cycle = get_object_or_404(TestCycle, pk=cycle_id)
    try:
        result = start_cycle(cycle, request.user)
    except TemporalUnavailable:
        messages.error(request, "The workflow service is unreachable; nothing was started. Try again in a moment.")
        return redirect("cycle_setup:setup", cycle.pk)
    names = dict(CycleReport.objects.filter(cycle=cycle).values_list("report_id", "report__name"))
    messages.success(
        request, f"{len(result.starting)} report(s) starting, {len(result.already_running)} already running."
    )
    for item in result.cannot_start:
        messages.warning(request, f"{names.get(item['report_id'], item['report_id'])} cannot start: {item['reason']}.")
    return redirect("cycle_setup:dashboard", cycle.pk)


def _board(request, cycle):
    everything = board.rows(cycle)
    person = request.GET.get("person", "").strip()[:150]
    state = request.GET.get("state", "")
    state = state if state in board.STATES else ""
    return everything, board.filtered(everything, person, state), person, state


@require_safe
@manager_required
def dashboard(request, cycle_id: int):
    cycle = get_object_or_404(TestCycle.objects.select_related("test_manager"), pk=cycle_id)
    everything, shown, person, state = _board(request, cycle)
    people = sorted(set().union(*(r.people for r in everything))) if everything else []
    return render(
        request,
        "cycle_setup/dashboard.html",
        {
            "cycle": cycle,
            "rows": shown,
            "totals": board.totals(everything),
            "person": person,
            "state": state,
            "states": board.STATES.items(),
            "people": people,
            "now": timezone.now(),
            "query": request.GET.urlencode(),
        },
    )


@require_safe
@manager_required
def dashboard_csv(request, cycle_id: int):
    cycle = get_object_or_404(TestCycle, pk=cycle_id)
    _, shown, _, _ = _board(request, cycle)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="cycle-{cycle.pk}-dashboard.csv"'
    writer = csv.writer(response)
    writer.writerow(["report_id", "report", "regulation", "phase", "step", "held_by", "since", "due_at", "state", "escalated", "tester", "report_owner", "data_provider"])

    def name(user):
        return user.get_username() if user is not None else ""

    for r in shown:
        cells = [
            str(r.cr.report_id), r.cr.report.name, r.cr.report.regulation, r.phase, r.step, r.holder,
            r.since.isoformat() if r.since else "", r.due_at.isoformat() if r.due_at else "", r.state,
            "yes" if r.escalated else "no", name(r.cr.tester), name(r.cr.report_owner), name(r.cr.data_provider),
        ]
        writer.writerow([_csv_safe(c) for c in cells])
    return response


def _csv_safe(text: str) -> str:
    # Names are typed by people: a leading = + - @ would be a spreadsheet formula.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
