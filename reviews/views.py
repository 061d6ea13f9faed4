"""Pages of the human side: inbox, manager's task list, review and approval
forms. Views authorize, validate and hand over to reviews.submissions."""
from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from cycles import roles
from cycles.access import can_view
from cycles.models import CycleReport, TestCycle
from cycles import workflow_types as t
from scoping import queries

from . import human_tasks, separation_of_duties, submissions
from .forms import OwnerApprovalForm, TesterReviewForm
from .models import HumanTask
from .task_filters import ManagerTaskFilter, null_characters_in


def _visible_cycle_report(request, cycle_id: int, report_id: int) -> CycleReport:
    """The report, or the same 404 for one that does not exist and one the
    user may not see, whatever the method: a POST from a stranger learns
    nothing and writes nothing (not even to the audit trail)."""
    cr = get_object_or_404(
        CycleReport.objects.select_related("cycle", "report", "tester", "report_owner"),
        cycle_id=cycle_id,
        report_id=report_id,
    )
    if not can_view(request.user, cr):
        raise Http404("No such report")
    return cr


def _with_overdue_first(qs):
    now = timezone.now()
    return qs.annotate(
        overdue=Case(When(due_at__lt=now, then=Value(1)), default=Value(0), output_field=IntegerField())
    ).order_by("-overdue", "due_at", "id")


@require_safe
def inbox(request):
    tasks = _with_overdue_first(human_tasks.open_tasks_for(request.user))
    return render(request, "reviews/inbox.html", {"tasks": tasks, "now": timezone.now()})


@require_safe
def manager_tasks(request):
    if not roles.is_manager(request.user):
        raise PermissionDenied("Only test managers and admins see every task.")
    cycles = TestCycle.objects.all()
    qs = HumanTask.objects.filter(state__in=HumanTask.ACTIVE_STATES).select_related(
        "cycle_report__cycle", "cycle_report__report", "assignee"
    )
    refused = null_characters_in(request.GET)
    filters = ManagerTaskFilter({} if refused else request.GET)
    filters.is_valid()  # an invalid value is ignored and named on the page; the valid ones apply
    tasks = _with_overdue_first(filters.apply(qs, timezone.now())) if not refused else HumanTask.objects.none()
    return render(
        request,
        "reviews/manager_tasks.html",
        {"tasks": tasks, "cycles": cycles, "kinds": HumanTask.Kind.choices, "filters": {} if refused else request.GET,
         "filter_form": filters, "refused": refused},
        status=400 if refused else 200,
    )


def _acting_task(request, cr: CycleReport, kind: str) -> tuple[HumanTask | None, object]:
    task = human_tasks.active_task(cr, kind)
    on_behalf_of = human_tasks.acting_for(request.user, task) if task else None
    return task, on_behalf_of


def _after_submit(request, cr: CycleReport, answer: submissions.Answer, what: str):
    if answer.status == 202:
        messages.warning(request, f"Your {what} is saved and will be applied as soon as the workflow service is back.")
    else:
        messages.success(request, f"Your {what} was accepted (version {answer.body.get('version')}).")
    return redirect("cycles:report_status", cr.cycle_id, cr.report_id)


def _is_repeat(request) -> bool:
    """A form posted again with the token of an earlier submission: a double
    click, a browser retry, or back-and-resubmit."""
    return request.method == "POST" and submissions.has_previous(request.user, request.POST.get("submission_token"))


def _replay(request, cr: CycleReport, kind: str, form, what: str):
    """The first answer again, applied once. A changed form under the same
    token is refused rather than reported as accepted."""
    payload = form.payload() if form.is_valid() else dict(request.POST)
    answer = submissions.previous_answer(request.user, request.POST.get("submission_token"), cr, kind, payload)
    if answer is None:
        return None  # its earlier refusal could pass by now: submit it again
    if answer.ok:
        return _after_submit(request, cr, answer, what)
    if answer.body.get("code") == submissions.KEY_REUSED:
        messages.error(request, f"This form was already submitted and has not been applied again. Open the {what} again to make a new one.")
    else:
        messages.error(request, f"Your {what} was refused: {answer.body.get('detail')}")
    return redirect("cycles:report_status", cr.cycle_id, cr.report_id)


def _fresh_token(form) -> None:
    """After a refusal the corrected form is a new submission: give it a new
    token, or its resubmission would replay the refusal."""
    data = form.data.copy()
    data["submission_token"] = uuid.uuid4().hex
    form.data = data


@require_http_methods(["GET", "POST"])
def tester_review(request, cycle_id: int, report_id: int):
    cr = _visible_cycle_report(request, cycle_id, report_id)
    if _is_repeat(request):
        recs = list(queries.recommendations(cr))
        form = TesterReviewForm(request.POST, recommendations=recs, accept_all="accept_all" in request.POST)
        replayed = _replay(request, cr, t.TESTER_REVIEW, form, "review")
        if replayed is not None:
            return replayed
    task, on_behalf_of = _acting_task(request, cr, t.TESTER_REVIEW)
    if task is None:
        if request.method == "POST":
            messages.error(request, "This report is not awaiting a tester review.")
        return redirect("cycles:report_status", cr.cycle_id, cr.report_id)
    if on_behalf_of is None:
        _refuse_post(request, cr, t.TESTER_REVIEW, task)
        raise PermissionDenied("Only the assigned tester or their delegate can review this report.")
    recs = list(queries.recommendations(cr))
    current = queries.current_submission(cr)
    previous = queries.decisions_by_attribute(current)
    accept_all = "accept_all" in request.POST
    form = TesterReviewForm(
        request.POST or None, recommendations=recs, previous=previous, accept_all=accept_all
    )
    if request.method == "POST" and form.is_valid():
        answer = submissions.submit(cr, t.TESTER_REVIEW, request.user, form.payload(), form.cleaned_data["submission_token"])
        if answer.ok:
            return _after_submit(request, cr, answer, "review")
        form.add_error(None, answer.body.get("detail"))
        _fresh_token(form)
    last_decision = getattr(current, "owner_decision", None) if current else None
    return render(
        request,
        "reviews/tester_review.html",
        {
            "cr": cr,
            "task": task,
            "form": form,
            "rows": form.rows(),
            "on_behalf_of": on_behalf_of,
            "owner_feedback": last_decision,
            "previous_version": current,
        },
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
def owner_approval(request, cycle_id: int, report_id: int):
    cr = _visible_cycle_report(request, cycle_id, report_id)
    if _is_repeat(request):
        replayed = _replay(request, cr, t.REPORT_OWNER_APPROVAL, OwnerApprovalForm(request.POST), "decision")
        if replayed is not None:
            return replayed
    task, on_behalf_of = _acting_task(request, cr, t.REPORT_OWNER_APPROVAL)
    if task is None:
        if request.method == "POST":
            messages.error(request, "This report is not awaiting the report owner's approval.")
        return redirect("cycles:report_status", cr.cycle_id, cr.report_id)
    if on_behalf_of is None:
        _refuse_post(request, cr, t.REPORT_OWNER_APPROVAL, task)
        raise PermissionDenied("Only the report owner or their delegate can approve this report.")
    try:
        separation_of_duties.check(cr, t.REPORT_OWNER_APPROVAL, request.user, on_behalf_of)
    except separation_of_duties.SeparationOfDuties as refusal:
        if request.method == "POST":
            submissions.refuse_attempt(cr, t.REPORT_OWNER_APPROVAL, request.user, 403, str(refusal), _posted(request))
        raise PermissionDenied(str(refusal)) from None
    current = queries.current_submission(cr)
    decisions = queries.decisions_by_attribute(current)
    recs = list(queries.recommendations(cr))
    rows = [(rec, decisions.get(rec.attribute_id)) for rec in recs]
    form = OwnerApprovalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        answer = submissions.submit(
            cr, t.REPORT_OWNER_APPROVAL, request.user, form.payload(), form.cleaned_data["submission_token"]
        )
        if answer.ok:
            return _after_submit(request, cr, answer, "decision")
        form.add_error(None, answer.body.get("detail"))
        _fresh_token(form)
    included = sum(1 for _, d in rows if d and d.include)
    overrides = [(rec, d) for rec, d in rows if d and d.overrides_recommendation]
    return render(
        request,
        "reviews/owner_approval.html",
        {
            "cr": cr,
            "task": task,
            "form": form,
            "rows": rows,
            "submission": current,
            "included": included,
            "excluded": len(rows) - included,
            "overrides": overrides,
            "on_behalf_of": on_behalf_of,
        },
        status=400 if request.method == "POST" else 200,
    )


def _refuse_post(request, cr, kind: str, task: HumanTask) -> None:
    # A refused submission is audited; merely opening the page is not.
    if request.method == "POST":
        submissions.refuse_attempt(
            cr, kind, request.user, 403,
            f"this task is assigned to {task.assignee.get_username()}; {request.user.get_username()} is not the assignee or their delegate",
            _posted(request),
        )


def _posted(request) -> dict:
    return {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}


