"""Model versus people, per cycle: the API (exact shape of issue 11), the
page and the CSV, who may see them, and a constant number of queries."""
from __future__ import annotations

import csv
import io
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cycles import roles
from reviews.models import HumanTask
from scoping.models import ModelCall, OwnerDecision, Recommendation, ScopingDecision, ScopingSubmission

from .factories import TestCycleFactory as CycleFactory
from .factories import UserFactory, scoped_report

pytestmark = pytest.mark.django_db

T0 = timezone.now().replace(microsecond=0) - timedelta(days=1)


def as_user(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def recommend(cr, plan):
    """plan: [(source, include, fallback_reason)] in line order."""
    attrs = list(cr.report.attributes.order_by("line_number"))
    Recommendation.objects.bulk_create(
        Recommendation(cycle_report=cr, attribute=a, include=inc, risk_score=50, rationale="r", source=src,
                       fallback_reason=fb)
        for a, (src, inc, fb) in zip(attrs, plan)
    )
    return attrs


def review(cr, tester, version, opened, submitted, overrides, superseded=False):
    """A tester's review of round `version`: as recommended except `overrides`
    {line_number: rationale}, which flip the recommendation."""
    HumanTask.objects.create(
        kind="tester_review", cycle_report=cr, round=version, assignee=tester, original_assignee=tester,
        opened_at=T0 + timedelta(seconds=opened), due_at=T0 + timedelta(days=3), state="completed",
        workflow_id=cr.expected_workflow_id,
    )
    sub = ScopingSubmission.objects.create(
        cycle_report=cr, version=version, message_id=uuid.uuid4().hex, submitted_by=tester, on_behalf_of=tester,
        submitted_at=T0 + timedelta(seconds=submitted), overrides=len(overrides),
        superseded_at=timezone.now() if superseded else None,
    )
    decisions = []
    for rec in Recommendation.objects.filter(cycle_report=cr).select_related("attribute"):
        flip = rec.attribute.line_number in overrides
        decisions.append(ScopingDecision(
            submission=sub, attribute=rec.attribute, include=(not rec.include) if flip else rec.include,
            rationale=overrides.get(rec.attribute.line_number, ""), overrides_recommendation=flip,
            attribute_is_primary_key=rec.attribute.is_primary_key,
        ))
    ScopingDecision.objects.bulk_create(decisions)
    return sub


def owner(sub, approved: bool):
    return OwnerDecision.objects.create(
        submission=sub, cycle_report=sub.cycle_report, version=sub.version, message_id=uuid.uuid4().hex,
        outcome="approved" if approved else "changes_requested", comments="" if approved else "again",
        decided_by=sub.cycle_report.report_owner, on_behalf_of=sub.cycle_report.report_owner, decided_at=timezone.now(),
    )


@pytest.fixture
def cycle():
    """Report A (tester t1): the model recommended three attributes and the
    rules one (a fallback); t1 overrode two of the model's; approved.
    Report B (tester t2): rules only; round 1 overrode one and was sent back,
    round 2 (no overrides) awaits approval."""
    cyc = CycleFactory()
    t1, t2 = UserFactory(username="t-one", role=roles.TESTER), UserFactory(username="t-two", role=roles.TESTER)
    a = scoped_report(attributes=4, cycle=cyc, tester=t1, report__name="A report")
    recommend(a, [("acme-7b", True, None), ("acme-7b", True, None), ("rules", True, "model answer unusable"), ("acme-7b", False, None)])
    owner(review(a, t1, 1, 0, 100, {2: "A reconciliation control covers it", 4: "New field this quarter"}), approved=True)
    b = scoped_report(attributes=4, cycle=cyc, tester=t2, report__name="B report")
    recommend(b, [("rules", True, None), ("rules", True, None), ("rules", False, None), ("rules", False, None)])
    owner(review(b, t2, 1, 0, 50, {3: "Regulation changed"}, superseded=True), approved=False)
    review(b, t2, 2, 200, 260, {})
    return cyc, a, b


def test_the_api_answers_the_issue_shape_with_the_counts(cycle):
    cyc, a, b = cycle
    body = as_user(cyc.test_manager).get(f"/api/cycles/{cyc.pk}/recommendation-agreement").json()
    assert set(body) == {"by_source", "by_tester", "by_flag", "overrides"}
    by_source = {r["source"]: r for r in body["by_source"]}
    assert by_source["acme-7b"] == {
        "source": "acme-7b", "attributes": 3, "overrides": 2, "override_rate": 0.6667, "fallbacks": 0,
        "approved_attributes": 3, "agreed": 1, "agreement_rate": 0.3333,
    }
    assert by_source["rules"] == {
        "source": "rules", "attributes": 5, "overrides": 0, "override_rate": 0.0, "fallbacks": 1,
        "approved_attributes": 1, "agreed": 1, "agreement_rate": 1.0,
    }
    flags = {r["flag"]: (r["attributes"], r["overrides"]) for r in body["by_flag"]}
    assert flags == {
        "primary key": (2, 0), "critical data element": (4, 1), "historical issues": (2, 1),
        "mandatory": (4, 0), "no flag": (2, 1),
    }
    testers = {r["tester"]: r for r in body["by_tester"]}
    assert (testers["t-one"]["attributes"], testers["t-one"]["overrides"], testers["t-one"]["override_rate"]) == (4, 2, 0.5)
    assert [(r["report_id"], r["version"], r["seconds"]) for r in testers["t-one"]["reviews"]] == [(a.report_id, 1, 100)]
    assert [(r["version"], r["seconds"]) for r in testers["t-two"]["reviews"]] == [(1, 50), (2, 60)]
    assert testers["t-two"]["median_review_seconds"] == 55 and testers["t-two"]["overrides"] == 0
    attrs = {x.line_number: x.pk for x in a.report.attributes.all()}
    assert body["overrides"] == [
        {"report_id": a.report_id, "attribute_id": attrs[2], "source": "acme-7b", "recommended_include": True,
         "decided_include": False, "rationale": "A reconciliation control covers it", "decided_by": "t-one"},
        {"report_id": a.report_id, "attribute_id": attrs[4], "source": "acme-7b", "recommended_include": False,
         "decided_include": True, "rationale": "New field this quarter", "decided_by": "t-one"},
    ]


def test_the_page_and_the_csv_show_the_same(cycle):
    cyc, a, b = cycle
    manager = as_user(cyc.test_manager)
    page = manager.get(f"/cycles/{cyc.pk}/recommendation-agreement/").content.decode()
    assert page.count('class="override"') == 2
    assert "A reconciliation control covers it" in page and "New field this quarter" in page
    assert "67%" in page and "33%" in page  # acme-7b: override rate, agreement rate
    assert page.count('class="review"') == 3 and "100 s" in page and "55 s" in page
    assert f"/cycles/{cyc.pk}/recommendation-agreement.csv" in page and f"/cycles/{cyc.pk}/model-calls.csv" in page
    assert f"/cycles/{cyc.pk}/recommendation-agreement/" in manager.get(f"/cycles/{cyc.pk}/").content.decode()

    response = manager.get(f"/cycles/{cyc.pk}/recommendation-agreement.csv")
    assert response["Content-Type"] == "text/csv"
    table = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert ["acme-7b", "3", "2", "0.6667", "0", "3", "1", "0.3333"] in table
    assert ["t-two", "4", "0", "0.0", "0", "0", "0", "", "2", "55.0"] in table
    names = {x.line_number: x.name for x in a.report.attributes.all()}
    overrides = [r for r in table if len(r) == 11 and r[0] == str(a.report_id)]
    assert [(r[1], r[3], r[4], r[5], r[6], r[7], r[8]) for r in overrides] == [
        ("A report", names[2], "acme-7b", "True", "False", "A reconciliation control covers it", "t-one"),
        ("A report", names[4], "acme-7b", "False", "True", "New field this quarter", "t-one"),
    ]
    reviews = [r for r in table if len(r) == 8 and r[2] in ("1", "2") and r[3].startswith("t-")]
    assert [(r[1], r[2], r[7]) for r in reviews] == [("A report", "1", "100"), ("B report", "1", "50"), ("B report", "2", "60")]


def test_csv_cells_that_look_like_formulas_are_neutralised(cycle):
    cyc, a, b = cycle
    ScopingDecision.objects.filter(rationale="New field this quarter").update(rationale="=HYPERLINK(\"x\")")
    text = b"".join(as_user(cyc.test_manager).get(f"/cycles/{cyc.pk}/recommendation-agreement.csv").streaming_content).decode()
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text


@pytest.mark.parametrize("who", ["tester", "owner", "other_manager_role_missing"])
def test_people_who_are_not_managers_get_403(cycle, who):
    cyc, a, b = cycle
    user = {"tester": a.tester, "owner": a.report_owner, "other_manager_role_missing": UserFactory()}[who]
    client = as_user(user)
    for url in (f"/api/cycles/{cyc.pk}/recommendation-agreement", f"/cycles/{cyc.pk}/recommendation-agreement/",
                f"/cycles/{cyc.pk}/recommendation-agreement.csv", f"/cycles/{cyc.pk}/model-calls.csv"):
        response = client.get(url)
        assert response.status_code == 403, url
    assert "test managers and admins" in client.get(f"/api/cycles/{cyc.pk}/recommendation-agreement").json()["detail"]
    assert "Model versus people" not in client.get(f"/cycles/{cyc.pk}/").content.decode()


@pytest.mark.parametrize("who", ["superuser", "admin_group", "another_test_manager"])
def test_admins_and_test_managers_may_read_it(cycle, who):
    cyc, a, b = cycle
    user = {
        "superuser": lambda: UserFactory(is_superuser=True),
        "admin_group": lambda: UserFactory(role=roles.ADMIN),
        "another_test_manager": lambda: UserFactory(role=roles.TEST_MANAGER),
    }[who]()
    assert as_user(user).get(f"/api/cycles/{cyc.pk}/recommendation-agreement").status_code == 200
    assert as_user(user).get(f"/cycles/{cyc.pk}/recommendation-agreement/").status_code == 200


def test_unknown_cycle_is_404_and_anonymous_is_refused(cycle):
    cyc, a, b = cycle
    manager = as_user(cyc.test_manager)
    assert manager.get("/api/cycles/999999/recommendation-agreement").status_code == 404
    assert manager.get("/cycles/999999/recommendation-agreement/").status_code == 404
    assert Client().get(f"/api/cycles/{cyc.pk}/recommendation-agreement").status_code == 401
    page = Client().get(f"/cycles/{cyc.pk}/recommendation-agreement/")
    assert page.status_code == 302 and "/accounts/login/" in page["Location"]
    assert manager.post(f"/api/cycles/{cyc.pk}/recommendation-agreement").status_code == 405


def _cycle_of(reports: int, attributes: int):
    cyc = CycleFactory()
    tester = UserFactory(role=roles.TESTER)
    for i in range(reports):
        cr = scoped_report(attributes=attributes, cycle=cyc, tester=UserFactory(role=roles.TESTER) if i % 2 else tester)
        recommend(cr, [("acme-7b" if j % 2 else "rules", j % 3 != 2, None) for j in range(attributes)])
        sub = review(cr, cr.tester, 1, 0, 30 + i, {2: "because"})
        ModelCall.objects.create(
            cycle_report=cr, attempt=1, batch=1, ask=1, attribute_ids=[1, 2], requested_model="m", model="acme-7b",
            prompt_version="p@1", output_mode="json_schema", request_sha256="0" * 64, started_at=timezone.now(),
            latency_ms=5, outcome="valid", raw_answer="{}",
        )
        if i % 3:
            owner(sub, approved=True)
    return cyc


@pytest.mark.parametrize("url", [
    "/api/cycles/{pk}/recommendation-agreement",
    "/cycles/{pk}/recommendation-agreement/",
    "/cycles/{pk}/recommendation-agreement.csv",
    "/cycles/{pk}/model-calls.csv",
])
def test_a_constant_number_of_queries(url, django_assert_max_num_queries):
    counts = []
    for reports, attributes in ((2, 3), (12, 9)):
        cyc = _cycle_of(reports, attributes)
        client = as_user(cyc.test_manager)
        client.get(url.format(pk=cyc.pk))  # warm-up (session, content types)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url.format(pk=cyc.pk))
            body = b"".join(response.streaming_content) if response.streaming else response.content
        assert response.status_code == 200 and body.count(b"acme-7b") >= reports
        counts.append(len(ctx))
    assert counts[0] == counts[1], counts
    # Every signed-in request also saves its session (SESSION_SAVE_EVERY_REQUEST):
    # three statements inside a test's transaction.
    with django_assert_max_num_queries(8 + 3):
        client.get(url.format(pk=cyc.pk))
