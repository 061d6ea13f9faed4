"""Issue 14: after Sample Selection, the data provider uploads evidence for
every sampled record and enters its source values; the tester accepts or
returns each record (a returned one goes back as a new round, accepted ones
stay accepted); the comparison of reported and source values becomes the
test results. By the API and by the forms, on the real Temporal dev server."""
from __future__ import annotations

import hashlib
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from cycles import roles
from cycles.models import PhaseStatus
from evidence import rounds
from evidence.models import EvidenceDecision, EvidenceDraft, EvidenceFile, EvidenceReview, EvidenceSubmission, TestResult
from reviews.models import AuditEvent, HumanTask, InboundSubmission

from . import helpers
from .clients import browser as login
from .factories import UserFactory, scoped_report

pytestmark = pytest.mark.temporal


def api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def url(cr, name: str) -> str:
    return f"/api/cycles/{cr.cycle_id}/reports/{cr.report_id}/{name}"


def upload(client, cr, sample_id: int, content: bytes, name: str = "statement.pdf"):
    return client.post(url(cr, f"samples/{sample_id}/evidence"), {"file": SimpleUploadedFile(name, content)}, format="multipart")


@pytest.fixture
def awaiting_evidence(temporal):
    cr = scoped_report(attributes=6)
    helpers.through_scoping(temporal, cr)
    helpers.through_sampling(temporal, cr, evidence=False)
    return cr


def amount_attribute(cr):
    return next(a for a in rounds.attributes_in_scope(cr) if a.data_type == "decimal")


def test_evidence_over_the_api_with_one_returned_record(awaiting_evidence, temporal):
    cr = awaiting_evidence
    provider, tester = api(cr.data_provider), api(cr.tester)
    status = provider.get(url(cr, "status")).json()
    assert status["current_phase"] == "Evidence" and status["awaiting_action"] == "evidence_submission"
    assert status["assignee"] == cr.data_provider.username
    assert status["phase_progress"] == {"Scoping": "completed", "Sample Selection": "completed", "Evidence": "in_progress"}
    samples = provider.get(url(cr, "samples")).json()
    assert len(samples) == 4
    ids = [s["id"] for s in samples]
    attributes = [a.pk for a in rounds.attributes_in_scope(cr)]
    assert attributes

    # One PDF per record: the answer describes the stored file.
    uploaded = {}
    for s in samples:
        content = helpers.evidence_pdf(s["record_key"])
        answer = upload(provider, cr, s["id"], content, name=f"../../{s['record_key']}.pdf")
        assert answer.status_code == 201, answer.content
        body = answer.json()
        assert set(body) == {"id", "filename", "size", "sha256", "content_type"}
        assert body["filename"] == f"{s['record_key']}.pdf" and body["content_type"] == "application/pdf"
        assert body["size"] == len(content) and body["sha256"] == hashlib.sha256(content).hexdigest()
        uploaded[s["id"]] = body
    listed = provider.get(url(cr, f"samples/{ids[0]}/evidence")).json()
    assert [f["id"] for f in listed] == [uploaded[ids[0]]["id"]]
    # The SHA-256 is in the audit trail.
    assert AuditEvent.objects.filter(cycle_report=cr, event="file_uploaded", payload_hash=uploaded[ids[0]]["sha256"]).exists()
    # The tester downloads one: an attachment, never sniffed.
    download = tester.get(url(cr, f"evidence/{uploaded[ids[0]]['id']}"))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment") and download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == helpers.evidence_pdf(samples[0]["record_key"])

    # Incomplete submissions: a clear 400, nothing sent.
    amount = amount_attribute(cr)
    full = [
        {"sample_id": s["id"], "source_values": helpers.source_values(cr, rounds.sample_item(s["id"])), "note": ""}
        for s in samples
    ]
    # The first record's amount differs from the population by 5.00 (beyond the tolerance).
    first_reported = rounds.sample_item(ids[0]).record.values[str(amount.pk)]
    full[0]["source_values"][str(amount.pk)] = str(float(first_reported) + 5)
    missing_value = [dict(full[0], source_values={}), *full[1:]]
    for body, field in [({"samples": full[1:]}, "samples"), ({"samples": missing_value}, "samples"), ({"samples": []}, "samples"),
                        ({"samples": [dict(full[0], sample_id="1")]}, "samples")]:
        answer = provider.post(url(cr, "evidence-submission"), body, format="json")
        assert answer.status_code == 400 and field in answer.json(), (body, answer.content)
    assert not InboundSubmission.objects.filter(kind="evidence_submission").exists()
    # The tester may not submit the provider's evidence; the review is not awaited yet.
    assert tester.post(url(cr, "evidence-submission"), {"samples": full}, format="json").status_code == 403
    assert tester.post(url(cr, "evidence-review"), {"decisions": []}, format="json").status_code == 409

    # Round 1: submitted once, whatever the retries.
    first = provider.post(url(cr, "evidence-submission"), {"samples": full}, format="json", HTTP_IDEMPOTENCY_KEY="e1")
    assert first.status_code == 200, first.content
    assert first.json()["accepted"] is True and first.json()["version"] == 1 and first.json()["samples"] == 4
    again = provider.post(url(cr, "evidence-submission"), {"samples": full}, format="json", HTTP_IDEMPOTENCY_KEY="e1")
    assert again.status_code == 200 and again.json() == first.json()
    assert EvidenceSubmission.objects.filter(cycle_report=cr).count() == 1
    helpers.wait_for_awaiting(temporal, cr, "evidence_review")
    assert tester.get(url(cr, "status")).json()["awaiting_action"] == "evidence_review"

    # The provider cannot review their own evidence, even as the tester's delegate.
    cr.data_provider.groups.add(*UserFactory(role=roles.TESTER).groups.all())
    review_task = HumanTask.objects.get(cycle_report=cr, kind="evidence_review", round=1)
    refused = api(cr.cycle.test_manager).post(
        f"/api/tasks/{review_task.pk}/reassign", {"to": cr.data_provider.username, "reason": "away"}, format="json"
    )
    assert refused.status_code == 400 and "separation of duties" in refused.json()["detail"]

    # The tester returns the first record without comments (400), then with.
    decisions = [{"sample_id": i, "accepted": i != ids[0], "comments": ""} for i in ids]
    assert tester.post(url(cr, "evidence-review"), {"decisions": decisions}, format="json").status_code == 400
    decisions[0]["comments"] = "The statement is for another loan"
    reviewed = tester.post(url(cr, "evidence-review"), {"decisions": decisions}, format="json")
    assert reviewed.status_code == 200, reviewed.content
    assert reviewed.json()["accepted"] == 3 and reviewed.json()["returned"] == 1

    # Round 2 asks for the returned record only; accepted ones stay accepted.
    helpers.wait_for_task(cr, "evidence_submission", round_no=2)
    status = helpers.wait_for_awaiting(temporal, cr, "evidence_submission")
    assert status["round"] == 2
    assert [i.pk for i in rounds.awaiting_evidence(cr)] == [ids[0]]
    accepted_upload = upload(provider, cr, ids[1], helpers.evidence_pdf("late"))
    assert accepted_upload.status_code == 409 and "accepted" in accepted_upload.json()["detail"]
    assert upload(provider, cr, ids[0], helpers.evidence_pdf("right loan"), name="right.pdf").status_code == 201
    stale = provider.post(url(cr, "evidence-submission"), {"samples": full}, format="json")
    assert stale.status_code == 400  # accepted records are not asked again
    second = provider.post(url(cr, "evidence-submission"), {"samples": full[:1]}, format="json")
    assert second.status_code == 200 and second.json()["version"] == 2, second.content
    helpers.wait_for_awaiting(temporal, cr, "evidence_review")
    done = tester.post(url(cr, "evidence-review"), {"decisions": [{"sample_id": ids[0], "accepted": True}]}, format="json")
    assert done.status_code == 200, done.content

    outcome = helpers.result(temporal, cr)
    assert outcome["phases"] == {"Scoping": "completed", "Sample Selection": "completed", "Evidence": "completed"}
    assert PhaseStatus.objects.get(cycle_report=cr, phase="Evidence").status == "completed"
    assert list(EvidenceDecision.objects.filter(review__cycle_report=cr).order_by("review__version", "sample_id").values_list("review__version", "sample_id", "accepted")) == [
        (1, i, i != ids[0]) for i in sorted(ids)
    ] + [(2, ids[0], True)]

    # Test results: every record × attribute in scope, mismatches first.
    results = tester.get(url(cr, "test-results")).json()
    assert len(results) == 4 * len(attributes)
    assert set(results[0]) == {"sample_id", "attribute_id", "reported", "source", "match", "result", "note"}
    mismatches = [r for r in results if not r["match"]]
    assert [(r["sample_id"], r["attribute_id"]) for r in mismatches] == [(ids[0], amount.pk)]
    assert results[0] == mismatches[0] and all(r["result"] is None for r in results)
    # The provider cannot confirm results; the tester confirms (a note for the fail).
    confirm = {"results": [{"sample_id": ids[0], "attribute_id": amount.pk, "result": "fail", "note": ""}]}
    assert provider.post(url(cr, "test-results"), confirm, format="json").status_code == 403
    assert tester.post(url(cr, "test-results"), confirm, format="json").status_code == 400
    confirm["results"][0]["note"] = "Booked 5.00 above the statement"
    confirmed = tester.post(url(cr, "test-results"), confirm, format="json")
    assert confirmed.status_code == 200 and confirmed.json()[0]["result"] == "fail"
    versions = TestResult.objects.filter(sample_id=ids[0], attribute=amount).order_by("version")
    assert [(v.version, v.result, v.superseded_at is None) for v in versions] == [(1, "", False), (2, "fail", True)]

    # Exported with the evidence's file names and SHA-256, mismatches first.
    exported = login(cr.tester).get(f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/test-results.csv")
    assert exported["Content-Disposition"] == f'attachment; filename="cycle-{cr.cycle_id}-report-{cr.report_id}-test-results.csv"'
    lines = b"".join(exported.streaming_content).decode().splitlines()
    assert lines[0].startswith("record,sample_id,attribute") and len(lines) == 1 + len(results)
    assert lines[1].startswith(f"{samples[0]['record_key']},{ids[0]},") and ",fail,Booked 5.00 above the statement," in lines[1]
    assert uploaded[ids[0]]["sha256"] in lines[1] and "right.pdf" in lines[1]


def test_uploading_on_the_page_keeps_what_was_typed(awaiting_evidence, temporal):
    """The page's Upload button sends the whole evidence form with the
    record's file: the values typed so far become the draft, uploaded or
    refused, and are shown again."""
    cr = awaiting_evidence
    provider = login(cr.data_provider)
    page = f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/evidence/"
    shown = provider.get(page).content.decode()
    token = re.search(r'name="submission_token" value="([0-9a-f]+)"', shown).group(1)
    first, *_ = rounds.awaiting_evidence(cr)
    typed = {f"value_{first.pk}_{a}": v for a, v in helpers.source_values(cr, first).items()}
    form = {"submission_token": token, "upload": str(first.pk), f"note_{first.pk}": "from the ledger", **typed}
    posted = provider.post(page, {**form, f"file_{first.pk}": SimpleUploadedFile("scan.pdf", helpers.evidence_pdf(first.record.key))})
    assert posted.status_code == 302, posted.content
    draft = EvidenceDraft.objects.get(cycle_report=cr, sample=first)
    assert draft.note == "from the ledger"
    assert draft.source_values == {k.rsplit("_", 1)[1]: v.strip() for k, v in typed.items() if v.strip()}
    shown = provider.get(page).content.decode()
    assert ">scan.pdf</a>" in shown and "from the ledger" in shown
    # Refused (a file of the wrong type): nothing stored, the typing kept.
    refused = provider.post(page, {**form, f"note_{first.pk}": "second try", f"file_{first.pk}": SimpleUploadedFile("x.pdf", b"MZ\x90\x00 not a pdf")})
    assert refused.status_code == 400
    assert "second try" in refused.content.decode()
    assert EvidenceDraft.objects.get(cycle_report=cr, sample=first).note == "second try"


def test_evidence_by_the_forms_with_one_returned_record(awaiting_evidence, temporal):
    cr = awaiting_evidence
    provider = login(cr.data_provider)
    page = f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/evidence/"
    inbox = provider.get("/tasks/").content.decode()
    assert page in inbox and "Provide the evidence" in inbox
    items = rounds.awaiting_evidence(cr)
    for item in items:
        posted = provider.post(page, {"upload": "1", "sample_id": item.pk, "file": SimpleUploadedFile("scan.pdf", helpers.evidence_pdf(item.record.key))})
        assert posted.status_code == 302, posted.content
    shown = provider.get(page).content.decode()
    assert shown.count(">scan.pdf</a>") == len(items)
    token = re.search(r'name="submission_token" value="([0-9a-f]+)"', shown).group(1)
    form = {"submission_token": token}
    for item in items:
        for attribute_id, value in helpers.source_values(cr, item).items():
            form[f"value_{item.pk}_{attribute_id}"] = value
        form[f"note_{item.pk}"] = ""
    # A draft: kept between visits.
    first_field = next(k for k in form if k.startswith("value_"))
    draft = {**form, first_field: "", "save": "1"}
    assert provider.post(page, draft).status_code == 302
    assert f'name="{first_field}"' in provider.get(page).content.decode()
    incomplete = provider.post(page, {**draft, "submit": "1"})
    assert incomplete.status_code == 400 and "as the source shows it" in incomplete.content.decode()
    submitted = provider.post(page, {**form, "submit": "1"})
    assert submitted.status_code == 302
    helpers.wait_for_awaiting(temporal, cr, "evidence_review")

    tester = login(cr.tester)
    review = f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/evidence-review/"
    assert provider.get(review).status_code in (403, 404)
    shown = tester.get(review).content.decode()
    assert all(item.record.key in shown for item in items) and "scan.pdf" in shown
    token = re.search(r'name="submission_token" value="([0-9a-f]+)"', shown).group(1)
    decisions = {"submission_token": token}
    for i, item in enumerate(items):
        decisions[f"decision_{item.pk}"] = "return" if i == 0 else "accept"
        decisions[f"comments_{item.pk}"] = "Unreadable" if i == 0 else ""
    assert tester.post(review, decisions).status_code == 302
    helpers.wait_for_task(cr, "evidence_submission", round_no=2)
    helpers.wait_for_awaiting(temporal, cr, "evidence_submission")

    shown = provider.get(page).content.decode()
    assert "Returned: Unreadable" in shown and items[1].record.key not in shown
    token = re.search(r'name="submission_token" value="([0-9a-f]+)"', shown).group(1)
    again = {k: v for k, v in form.items() if k.endswith(f"_{items[0].pk}") or f"_{items[0].pk}_" in k}
    assert provider.post(page, {**again, "submission_token": token, "submit": "1"}).status_code == 302
    helpers.wait_for_awaiting(temporal, cr, "evidence_review")
    shown = tester.get(review).content.decode()
    token = re.search(r'name="submission_token" value="([0-9a-f]+)"', shown).group(1)
    assert tester.post(review, {"submission_token": token, f"decision_{items[0].pk}": "accept", f"comments_{items[0].pk}": ""}).status_code == 302
    assert helpers.result(temporal, cr)["phases"]["Evidence"] == "completed"
    report = tester.get(f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/").content.decode()
    assert 'id="evidence-section"' in report and 'id="mismatch-count">0<' in report
    assert EvidenceReview.objects.filter(cycle_report=cr).count() == 2
    assert EvidenceFile.objects.filter(cycle_report=cr).count() == len(items)

    # The tester confirms results on their page: a fail needs a note; a form
    # sent twice makes no second version; the owner may look, not confirm.
    results_page = f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/test-results/"
    first = TestResult.objects.filter(cycle_report=cr).order_by("id").first()
    refused = tester.post(results_page, {f"result_{first.pk}": "fail", f"note_{first.pk}": ""})
    assert refused.status_code == 400 and "a note is required" in refused.content.decode()
    confirmed = {f"result_{first.pk}": "fail", f"note_{first.pk}": "Source shows another value"}
    assert tester.post(results_page, confirmed).status_code == 302
    current = TestResult.objects.get(cycle_report=cr, sample=first.sample, attribute=first.attribute, superseded_at__isnull=True)
    assert (current.version, current.result, current.decided_by) == (2, "fail", cr.tester)
    again = {f"result_{current.pk}": "fail", f"note_{current.pk}": "Source shows another value"}
    assert tester.post(results_page, again).status_code == 302
    assert TestResult.objects.filter(sample=first.sample, attribute=first.attribute).count() == 2
    owner = login(cr.report_owner)
    assert owner.get(results_page).status_code == 200
    assert owner.post(results_page, {f"result_{current.pk}": "pass"}).status_code == 403
