"""Pages about cycles and reports: the cycles a person may see, a cycle's
reports, a report's page (status, each phase's part, the timeline), starting
a report, and the cycle's audit trail."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from cycles import roles
from cycles.models import CycleReport, TestCycle
from cycles.registry import registry
from cycles.workflow_start import CannotStart, TemporalUnavailable, start_workflow

from django.urls import reverse

from . import access, human_tasks, plain_status, separation_of_duties, timeline
from .models import AuditEvent, HumanTask
from .status import status as report_status_of


@require_safe
def home(request):
    return redirect("reviews:inbox")


@require_safe
def cycle_list(request):
    visible = access.visible_cycle_reports(request.user, CycleReport.objects.all())
    # Managers see every cycle, those still without reports too (set-up, issue 12).
    cycles = TestCycle.objects.all() if roles.is_manager(request.user) else TestCycle.objects.filter(cycle_reports__in=visible)
    cycles = (
        cycles
        .select_related("test_manager")
        .annotate(reports=Count("cycle_reports", distinct=True))
        .distinct()
        .order_by("-created_at")
    )
    return render(request, "reviews/cycle_list.html", {"cycles": cycles})


@require_safe
def cycle_detail(request, cycle_id: int):
    cycle = get_object_or_404(TestCycle.objects.select_related("test_manager"), pk=cycle_id)
    reports = (
        access.visible_cycle_reports(
            request.user, CycleReport.objects.filter(cycle=cycle)
        )
        .select_related("report", "tester", "report_owner")
        .annotate(
            attribute_count=Count("report__attributes", filter=Q(report__attributes__retired_at__isnull=True), distinct=True),
            open_tasks=Count("tasks", filter=Q(tasks__state__in=HumanTask.ACTIVE_STATES), distinct=True),
        )
        .order_by("report__name")
    )
    if not reports and not roles.is_manager(request.user):
        raise Http404("No such cycle")
    return render(
        request,
        "reviews/cycle_detail.html",
        {"cycle": cycle, "reports": reports, "is_manager": roles.is_manager(request.user), "cycle_links": registry.cycle_links()},
    )


def _cycle_report(request, cycle_id: int, report_id: int) -> CycleReport:
    cr = get_object_or_404(
        CycleReport.objects.select_related("cycle", "report", "tester", "report_owner", "cycle__test_manager"),
        cycle_id=cycle_id,
        report_id=report_id,
    )
    if not access.can_view(request.user, cr):
        raise Http404("No such report")
    return cr


@require_safe
def report_status(request, cycle_id: int, report_id: int):
    cr = _cycle_report(request, cycle_id, report_id)
    status = report_status_of(cr)
    events = AuditEvent.objects.filter(cycle_report=cr).select_related("actor", "on_behalf_of").order_by("at", "id")
    # Each phase's part of the page: (template, context), in the phases' order.
    sections = [phase.report_section(cr, request.user) for phase in registry.phases() if phase.report_section]
    active_task = (
        HumanTask.objects.filter(cycle_report=cr, state__in=HumanTask.ACTIVE_STATES).select_related("assignee").first()
    )
    is_manager = roles.is_manager(request.user)
    return render(
        request,
        "reviews/report_status.html",
        {
            "cr": cr,
            "status": status,
            "plain": plain_status.describe(status, started=bool(cr.workflow_run_id), active_task=active_task),
            "timeline": timeline.lines(events),
            "sections": [section for section in sections if section],
            "can_start": access.can_start(request.user, cr) and not cr.workflow_run_id,
            "active_task": active_task,
            # The step's button only for whoever may use it (no button that answers 403).
            "can_act": _may_act(request.user, cr, active_task),
            "temporal_ui": plain_status.temporal_ui_link(cr) if is_manager else "",
            "status_api": reverse("api-status", args=[cr.cycle_id, cr.report_id]),
        },
    )


def _may_act(user, cr, task) -> bool:
    if task is None:
        return False
    on_behalf_of = human_tasks.acting_for(user, task)
    if on_behalf_of is None:
        return False
    try:
        separation_of_duties.check(cr, task.kind, user, on_behalf_of)
    except separation_of_duties.SeparationOfDuties:
        return False
    return True


@require_POST
def start(request, cycle_id: int, report_id: int):
    cr = _cycle_report(request, cycle_id, report_id)
    if not access.can_start(request.user, cr):
        raise PermissionDenied("Only the tester or a test manager can start this report.")
    try:
        started = start_workflow(cr, actor=request.user)
    except TemporalUnavailable:
        messages.error(request, "The workflow service is unreachable; please try again in a moment.")
    except CannotStart as problem:
        messages.error(request, str(problem))
    else:
        messages.success(request, "The report's workflow started." if started.created else "The workflow was already running.")
    return redirect("reviews:report_status", cr.cycle_id, cr.report_id)


@require_safe
def audit_csv(request, cycle_id: int):
    """The cycle's audit trail as CSV (test managers and admins); its
    columns: reviews.audit_export and the README."""
    from .audit_export import csv_response

    if not roles.is_manager(request.user):
        raise PermissionDenied("Only test managers and admins can download the audit trail.")
    return csv_response(get_object_or_404(TestCycle, pk=cycle_id))
