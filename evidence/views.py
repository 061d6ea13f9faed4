"""The Evidence phase's pages: the provider's evidence page (records,
uploads per record, source values, drafts, submit), the tester's review
page (files, reported against source values, accept or return) and the
file download. What every step's page does is reviews.step_pages."""
from __future__ import annotations

from types import SimpleNamespace

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from cycles.request_limits import accepts_uploads
from reviews.step_pages import StepVisit, visible_cycle_report

from . import downloads, evidence_rules, exports, results, rounds, uploads
from .errors import EvidenceError
from .forms import EvidenceForm, EvidenceReviewForm, EvidenceUploadForm, TestResultsForm
from .models import EvidenceDecision, EvidenceDraft, SubmittedEvidence
from .workflow_steps import EVIDENCE_REVIEW, EVIDENCE_SUBMISSION


def _save_drafts(cr, user, drafts: dict[int, dict]) -> None:
    for sample_id, draft in drafts.items():
        EvidenceDraft.objects.update_or_create(
            cycle_report=cr, sample_id=sample_id,
            defaults={"source_values": draft["source_values"], "note": draft["note"], "updated_by": user},
        )


def _returned_comments(cr) -> dict[int, str]:
    """The tester's comments on the records they returned last."""
    rows = EvidenceDecision.objects.filter(review__cycle_report=cr, accepted=False).order_by("review__version")
    return {d.sample_id: d.comments for d in rows}


@accepts_uploads("EVIDENCE_MAX_BYTES")
@csrf_exempt
@require_http_methods(["GET", "POST"])
def evidence_submission(request, cycle_id: int, report_id: int):
    # Files go to disk whatever their size (memory stays bounded); the
    # handlers must be set before CSRF protection reads the form.
    request.upload_handlers = [TemporaryFileUploadHandler(request)]
    return _evidence_submission(request, cycle_id, report_id)


@csrf_protect
def _evidence_submission(request, cycle_id: int, report_id: int):
    visit = StepVisit(request, cycle_id, report_id, EVIDENCE_SUBMISSION, what="evidence")
    cr = visit.cr
    samples = rounds.awaiting_evidence(cr)
    returned = _returned_comments(cr)
    for item in samples:
        item.returned_comment = returned.get(item.pk, "")
    attributes = rounds.attributes_in_scope(cr)

    def evidence_form(data=None):
        files = rounds.files_by_sample(cr, [s.pk for s in samples])
        drafts = {d.sample_id: d for d in EvidenceDraft.objects.filter(cycle_report=cr)}
        return EvidenceForm(data, samples=samples, attributes=attributes, files=files, drafts=drafts)

    if visit.is_repeat():
        replayed = visit.replay(evidence_form(request.POST))
        if replayed is not None:
            return replayed
    stop = visit.authorize()
    if stop is not None:
        return stop
    form, upload_form, status = evidence_form(), EvidenceUploadForm(), 200
    if request.method == "POST" and "upload" in request.POST:
        data, files = request.POST, request.FILES
        if "sample_id" not in data:
            # The page's Upload button names its record and sends the whole
            # evidence form along: what was typed is kept as the draft, so
            # an upload (accepted or refused) never loses it.
            data = data.copy()
            data["sample_id"] = data["upload"]
            chosen = request.FILES.get(f"file_{data['upload']}")
            files = {"file": chosen} if chosen else {}
            typed = evidence_form(request.POST)
            typed.is_valid()
            _save_drafts(cr, request.user, typed.drafts())
            form = evidence_form()
        upload_form = EvidenceUploadForm(data, files)
        if upload_form.is_valid():
            try:
                item = next(s for s in samples if s.pk == upload_form.cleaned_data["sample_id"])
                kept = uploads.store(cr, item, upload_form.cleaned_data["file"], request.user)
            except StopIteration:
                upload_form.add_error(None, "That record is not awaiting evidence.")
            except EvidenceError as problem:
                upload_form.add_error(None, problem.message)
            else:
                messages.success(request, f"{kept.original_name} uploaded for record {item.record.key} (SHA-256 {kept.sha256}).")
                return redirect(request.path)
        status = 400
    elif request.method == "POST":
        form = evidence_form(request.POST)
        if form.is_valid():
            _save_drafts(cr, request.user, form.drafts())
            if "submit" not in request.POST:
                messages.success(request, "Draft saved.")
                return redirect(request.path)
            problems = [] if not form.check_complete() else evidence_rules.submission_problems(
                [s.pk for s in samples], [a.pk for a in attributes], _as_objects(form.payload()["samples"])
            )
            for problem in problems:
                form.add_error(None, problem)
            if form.is_valid() and not problems:
                done = visit.submit(form)
                if done is not None:
                    return done
        status = 400
    return render(
        request,
        "evidence/evidence_submission.html",
        {
            "cr": cr, "task": visit.task, "on_behalf_of": visit.on_behalf_of, "delegation": visit.delegation, "form": form, "upload_form": upload_form,
            "attributes": attributes,
        },
        status=status,
    )


def _as_objects(rows):
    return [SimpleNamespace(**row) for row in rows]


@require_http_methods(["GET", "POST"])
def evidence_review(request, cycle_id: int, report_id: int):
    visit = StepVisit(request, cycle_id, report_id, EVIDENCE_REVIEW, what="review")
    cr = visit.cr
    submission = rounds.current_submission(cr)
    items = (
        list(SubmittedEvidence.objects.filter(submission=submission).select_related("sample__record").prefetch_related("files").order_by("sample__position"))
        if submission else []
    )
    samples = [i.sample for i in items]
    if visit.is_repeat():
        replayed = visit.replay(EvidenceReviewForm(request.POST, samples=samples))
        if replayed is not None:
            return replayed
    stop = visit.authorize()
    if stop is not None:
        return stop
    form = EvidenceReviewForm(request.POST or None, samples=samples)
    if request.method == "POST" and form.is_valid():
        done = visit.submit(form)
        if done is not None:
            return done
    attributes = rounds.attributes_in_scope(cr)
    rows = [
        (
            item,
            [(a, item.sample.record.values.get(str(a.pk), ""), item.source_values.get(str(a.pk), "")) for a in attributes],
            form[f"decision_{item.sample_id}"],
            form[f"comments_{item.sample_id}"],
        )
        for item in items
    ]
    return render(
        request,
        "evidence/evidence_review.html",
        {"cr": cr, "task": visit.task, "on_behalf_of": visit.on_behalf_of, "delegation": visit.delegation, "form": form, "submission": submission, "rows": rows},
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
def test_results_page(request, cycle_id: int, report_id: int):
    """The results, mismatches first; the tester confirms them as pass or
    fail with a note (every confirmation a new version)."""
    cr = visible_cycle_report(request, cycle_id, report_id)
    can_confirm = results.may_confirm(request.user, cr)
    current = list(results.current(cr))
    form = TestResultsForm(request.POST if request.method == "POST" else None, results=current)
    if request.method == "POST":
        if not can_confirm:
            raise PermissionDenied("Only the report's tester, or their delegate, confirms its test results.")
        if form.is_valid() and not form.confirmations():
            messages.info(request, "No result was chosen: nothing confirmed.")
            return redirect(request.path)
        if form.is_valid():
            try:
                saved = results.confirm(cr, request.user, form.confirmations())
            except EvidenceError as problem:
                form.add_error(None, problem.message)
            else:
                messages.success(request, f"{len(saved)} test results confirmed.")
                return redirect(request.path)
    return render(
        request,
        "evidence/test_results.html",
        {"cr": cr, "form": form, "can_confirm": can_confirm, "mismatches": sum(not r.match for r in current)},
        status=400 if request.method == "POST" else 200,
    )


@require_GET
def test_results_csv(request, cycle_id: int, report_id: int):
    return exports.csv_response(visible_cycle_report(request, cycle_id, report_id))


@require_GET
def test_results_xlsx(request, cycle_id: int, report_id: int):
    return exports.xlsx_response(visible_cycle_report(request, cycle_id, report_id))


@require_GET
def evidence_file(request, cycle_id: int, report_id: int, file_id: int):
    return downloads.download(visible_cycle_report(request, cycle_id, report_id), file_id)
