"""Issue 10: after Scoping, the report goes through Sample Selection: the
tester uploads the population, draws a reproducible sample, the owner sends
it back once, the tester draws again, the owner approves. By the API and by
the forms, on the real Temporal dev server."""
from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from cycles import roles
from cycles.models import CycleReportAttribute, PhaseStatus, ReportAttribute
from reviews.models import AuditEvent, HumanTask, InboundSubmission
from sampling import draws
from sampling.models import Population, SampleApproval, SampleSet

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


@pytest.fixture
def awaiting_sample(temporal):
    cr = scoped_report(attributes=6)
    helpers.through_scoping(temporal, cr)
    return cr


def upload(client, cr, content: bytes, name="population.csv", **extra):
    return client.post(url(cr, "population"), {"file": SimpleUploadedFile(name, content), **extra}, format="multipart")


def amount_attribute(cr) -> ReportAttribute:
    return ReportAttribute.objects.get(report=cr.report, data_type="decimal")


def test_sample_selection_over_the_api_with_one_send_back(awaiting_sample, temporal):
    cr = awaiting_sample
    tester, owner = api(cr.tester), api(cr.report_owner)
    status = tester.get(url(cr, "status")).json()
    assert status["current_phase"] == "Sample Selection" and status["awaiting_action"] == "sample_selection"
    assert status["phase_progress"] == {"Scoping": "completed", "Sample Selection": "in_progress", "Evidence": "not_started"}
    # Scoping's decisions are frozen for the later phases.
    assert CycleReportAttribute.objects.filter(cycle_report=cr, in_scope=True).exists()

    # The population: key first, columns matched by name, the rest reported.
    uploaded = upload(tester, cr, helpers.population_csv(cr, rows=20))
    assert uploaded.status_code == 201, uploaded.content
    body = uploaded.json()
    assert body["rows"] == 20 and body["key_column"] == "Loan Number"
    assert body["unmatched_columns"] == ["Branch Note"] and body["missing_attributes"] == []
    assert body["columns"][0] == "Loan Number" and len(body["columns"]) == 8

    # Round 1: a simple random sample, its seed generated and answered.
    first = tester.post(url(cr, "sample-selection"), {"method": "random", "size": 5}, format="json", HTTP_IDEMPOTENCY_KEY="s1")
    assert first.status_code == 200, first.content
    answer = first.json()
    assert answer["accepted"] is True and answer["version"] == 1 and answer["samples"] == 5
    seed = answer["seed"]
    assert isinstance(seed, int) and 0 <= seed < 2**63
    again = tester.post(url(cr, "sample-selection"), {"method": "random", "size": 5}, format="json", HTTP_IDEMPOTENCY_KEY="s1")
    assert again.status_code == 200 and again.json() == answer  # one effect
    samples = tester.get(url(cr, "samples")).json()
    assert len(samples) == 5 and {"id", "record_key", "values", "reason"} <= set(samples[0])
    amount = amount_attribute(cr)
    assert str(amount.pk) in samples[0]["values"]
    # Reproducible: the documented rule gives the same records.
    population = Population.current_for(cr)
    assert [s["record_key"] for s in samples] == draws.draw_random(population, 5, seed).keys

    # The owner sends it back; a refusal without comments first.
    assert owner.post(url(cr, "sample-approval"), {"approved": False, "comments": "  "}, format="json").status_code == 400
    back = owner.post(url(cr, "sample-approval"), {"approved": False, "comments": "Take the largest loans"}, format="json")
    assert back.status_code == 200, back.content
    helpers.wait_for_task(cr, "sample_selection", round_no=2)
    helpers.wait_for_awaiting(temporal, cr, "sample_selection")

    # Round 2: the top 3 by amount, then the owner approves.
    second = tester.post(url(cr, "sample-selection"), {"method": "top", "size": 3, "order_by": amount.pk}, format="json")
    assert second.status_code == 200, second.content
    assert second.json()["version"] == 2 and second.json()["seed"] is None
    top = [s["record_key"] for s in tester.get(url(cr, "samples")).json()]
    assert top == ["L-0020", "L-0019", "L-0018"]  # 20,000 > 19,028 > 18,021
    helpers.wait_for_awaiting(temporal, cr, "sample_approval")
    ok = owner.post(url(cr, "sample-approval"), {"approved": True, "comments": ""}, format="json")
    assert ok.status_code == 200, ok.content

    # The next phase (Evidence) asks the data provider; then the run completes.
    helpers.through_evidence(temporal, cr)
    outcome = helpers.result(temporal, cr)
    assert outcome["phases"] == {"Scoping": "completed", "Sample Selection": "completed", "Evidence": "completed"}
    versions = list(SampleSet.objects.filter(cycle_report=cr).order_by("version").values_list("version", "method", "superseded_at"))
    assert [(v, m, s is None) for v, m, s in versions] == [(1, "random", False), (2, "top", True)]
    assert list(SampleApproval.objects.filter(cycle_report=cr).order_by("version").values_list("version", "outcome")) == [
        (1, "changes_requested"), (2, "approved"),
    ]
    assert PhaseStatus.objects.get(cycle_report=cr, phase="Sample Selection").status == "completed"
    final = tester.get(url(cr, "status")).json()
    assert final["phase_progress"] == {"Scoping": "completed", "Sample Selection": "completed", "Evidence": "completed"}
    assert final["awaiting_action"] is None
    events = list(AuditEvent.objects.filter(cycle_report=cr).values_list("event", "detail"))
    assert [d for e, d in events if e == "file_uploaded" and d.startswith("Population")] != [] and events[-1][0] == "notice_sent"
    assert len([d for e, d in events if e == "file_uploaded" and d.startswith("Population")]) == 1


def test_bad_selections_and_populations_get_clear_answers(awaiting_sample, temporal):
    cr = awaiting_sample
    tester = api(cr.tester)
    # Nothing to draw from yet.
    none = tester.post(url(cr, "sample-selection"), {"method": "random", "size": 5}, format="json")
    assert none.status_code == 400 and "population" in none.json()
    # A file that is not a population, and one too large.
    junk = upload(tester, cr, b"\x00\x01\x02 not a table", name="loans.csv")
    assert junk.status_code == 400 and junk.json()["detail"]
    assert not Population.objects.exists()
    assert upload(tester, cr, helpers.population_csv(cr, rows=8)).status_code == 201
    cases = [
        ({"method": "bogus", "size": 2}, "method"),
        ({"method": "random", "size": 0}, "size"),
        ({"method": "random", "size": 9}, "size"),  # more than the 8 records
        ({"method": "random", "size": "3"}, "size"),  # not a JSON integer
        ({"method": "manual", "record_keys": ["L-0001"]}, "non_field_errors"),  # no rationale
        ({"method": "manual", "record_keys": ["L-0001", "NOPE"], "rationale": "known issues"}, "record_keys"),
        ({"method": "top", "size": 2}, "non_field_errors"),  # no attribute to order by
        ({"method": "random", "size": 2, "seed": -1}, "seed"),
    ]
    for body, field in cases:
        answer = tester.post(url(cr, "sample-selection"), body, format="json")
        assert answer.status_code == 400 and field in answer.json(), (body, answer.content)
    assert not SampleSet.objects.exists() and not InboundSubmission.objects.filter(kind="sample_selection").exists()
    # Not awaited yet: the owner's approval is a 409.
    assert api(cr.report_owner).post(url(cr, "sample-approval"), {"approved": True}, format="json").status_code == 409
    # Someone else may not upload or select.
    other = api(UserFactory(role=roles.TESTER))
    assert upload(other, cr, helpers.population_csv(cr)).status_code == 403
    assert other.post(url(cr, "sample-selection"), {"method": "random", "size": 2}, format="json").status_code == 403
    # The step still waits, and a good selection is applied.
    manual = {"method": "manual", "record_keys": ["L-0002", "L-0005"], "rationale": "Known booking errors"}
    assert tester.post(url(cr, "sample-selection"), manual, format="json").status_code == 200
    assert [s["record_key"] for s in tester.get(url(cr, "samples")).json()] == ["L-0002", "L-0005"]


def test_the_selector_cannot_approve_the_sample(awaiting_sample, temporal):
    """Separation of duties from the mechanism: whoever selected the sample,
    or for whom it was selected, may not approve it; reassigning the
    approval to them is refused."""
    cr = awaiting_sample
    tester = api(cr.tester)
    assert upload(tester, cr, helpers.population_csv(cr, rows=6)).status_code == 201
    assert tester.post(url(cr, "sample-selection"), {"method": "random", "size": 2, "seed": 7}, format="json").status_code == 200
    task = helpers.wait_for_task(cr, "sample_approval")
    cr.tester.groups.add(*UserFactory(role=roles.REPORT_OWNER).groups.all())
    refused = api(cr.cycle.test_manager).post(f"/api/tasks/{task.pk}/reassign", {"to": cr.tester.username, "reason": "away"}, format="json")
    assert refused.status_code == 400 and "separation of duties" in refused.json()["detail"]
    assert HumanTask.objects.get(pk=task.pk).assignee == cr.report_owner


def test_sample_selection_by_the_forms(awaiting_sample, temporal):
    cr = awaiting_sample
    tester = login(cr.tester)
    page = f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/sample/"
    # The inbox links the task to its page.
    inbox = tester.get("/tasks/").content.decode()
    assert page in inbox and "Select the sample" in inbox
    assert "Upload" in tester.get(page).content.decode()
    uploaded = tester.post(page, {"upload": "1", "file": SimpleUploadedFile("loans.csv", helpers.population_csv(cr, rows=12))})
    assert uploaded.status_code == 302
    shown = tester.get(page).content.decode()
    assert 'id="population-rows">12<' in shown and "Default size for this cycle" in shown
    token = re.search(r'name="submission_token" value="([0-9a-f]+)"', shown).group(1)
    form = {"submission_token": token, "method": "random", "size": "4", "seed": "42",
            "stratify_by": "", "order_by": "", "record_keys": "", "add_keys": "", "remove_keys": "", "rationale": ""}
    preview = tester.post(page, {**form, "preview": "1"})
    assert preview.status_code == 200
    expected = draws.draw_random(Population.current_for(cr), 4, 42).keys
    assert re.findall(r"<td>\d+</td><td>(L-\d{4})</td>", preview.content.decode()) == expected
    assert not SampleSet.objects.exists()  # a preview submits nothing
    submitted = tester.post(page, {**form, "submit": "1"})
    assert submitted.status_code == 302
    assert list(SampleSet.objects.get().items.values_list("record__key", flat=True)) == expected
    helpers.wait_for_awaiting(temporal, cr, "sample_approval")

    owner = login(cr.report_owner)
    approval = f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/sample-approval/"
    shown = owner.get(approval).content.decode()
    assert "seed 42" in shown and all(key in shown for key in expected)
    assert 'id="sample-count">4<' in shown
    token = re.search(r'name="submission_token" value="([0-9a-f]+)"', shown).group(1)
    done = owner.post(approval, {"submission_token": token, "decision": "approve", "comments": ""})
    assert done.status_code == 302
    helpers.through_evidence(temporal, cr)
    helpers.result(temporal, cr)
    report = owner.get(f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/").content.decode()
    assert 'id="phase-scoping"' in report and 'id="phase-sample-selection"' in report
    assert "Scoping: review rounds" in report and 'id="sample-selection-section"' in report
