"""The REST API contract of the Scoping issue, every 4xx included."""
import pytest
from rest_framework.test import APIClient

from cycles import roles
from reviews.models import InboundSubmission
from scoping.models import OwnerDecision, Recommendation, ScopingSubmission
from cycles.models import ReportAttribute

from . import helpers
from .factories import PASSWORD, UserFactory, scoped_report

pytestmark = pytest.mark.temporal


def api(user=None) -> APIClient:
    c = APIClient()
    if user is not None:
        token = c.post("/api/auth/token/", {"username": user.username, "password": PASSWORD}, format="json")
        assert token.status_code == 200, token.content
        c.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    return c


def url(cr, name):
    return f"/api/cycles/{cr.cycle_id}/reports/{cr.report_id}/{name}"


def decisions(cr, overrides=None):
    overrides = overrides or {}
    out = []
    for rec in Recommendation.objects.filter(cycle_report=cr):
        include, rationale = overrides.get(rec.attribute_id, (rec.include, ""))
        out.append({"attribute_id": rec.attribute_id, "include": include, "rationale": rationale})
    return {"decisions": out}


@pytest.fixture
def awaiting_review(temporal):
    cr = scoped_report(attributes=6)
    assert api(cr.tester).post(url(cr, "start")).status_code == 201
    helpers.wait_for_task(cr, "tester_review")
    helpers.wait_for_awaiting(temporal, cr, "tester_review")
    return cr


def test_token_endpoint(db):
    user = UserFactory()
    c = APIClient()
    good = c.post("/api/auth/token/", {"username": user.username, "password": PASSWORD}, format="json")
    assert good.status_code == 200 and set(good.json()) == {"token", "expires"}
    bad = c.post("/api/auth/token/", {"username": user.username, "password": "nope"}, format="json")
    assert bad.status_code == 400
    assert c.post("/api/auth/token/", {}, format="json").status_code == 400


def test_anonymous_gets_401_everywhere(db):
    cr = scoped_report(attributes=2)
    c = APIClient()
    for name in ("status", "attributes"):
        assert c.get(url(cr, name)).status_code == 401
    for name in ("start", "tester-review", "report-owner-approval"):
        assert c.post(url(cr, name), {}, format="json").status_code == 401
    assert c.get("/api/tasks/").status_code == 401


def test_strangers_get_403_and_unknown_reports_404(db):
    cr = scoped_report(attributes=2)
    stranger = api(UserFactory(role=roles.TESTER))
    assert stranger.get(url(cr, "status")).status_code == 403
    assert stranger.get(url(cr, "attributes")).status_code == 403
    assert stranger.post(url(cr, "start")).status_code == 403
    assert stranger.post(url(cr, "tester-review"), {"decisions": []}, format="json").status_code == 403
    # The owner may look but not start.
    assert api(cr.report_owner).post(url(cr, "start")).status_code == 403
    assert api(cr.tester).get(f"/api/cycles/{cr.cycle_id}/reports/999999/status").status_code == 404


def test_status_before_start(db):
    cr = scoped_report(attributes=2)
    body = api(cr.tester).get(url(cr, "status")).json()
    assert body["current_phase"] == "Scoping"
    assert body["awaiting_action"] is None and body["assignee"] is None
    assert body["phase_progress"] == {"Scoping": "not_started", "Sample Selection": "not_started", "Evidence": "not_started"}
    assert body["pending_delivery"] == 0


def test_attributes_lists_flags_and_recommendations(awaiting_review):
    cr = awaiting_review
    rows = api(cr.tester).get(url(cr, "attributes")).json()
    assert len(rows) == 6
    first = rows[0]
    assert {"id", "name", "is_primary_key", "is_cde", "has_historical_issues", "is_mandatory", "recommendation"} <= set(first)
    assert first["is_primary_key"] is True
    assert first["recommendation"]["include"] is True
    assert 0 <= first["recommendation"]["risk_score"] <= 100
    assert "primary key" in first["recommendation"]["rationale"]


def test_attributes_answer_exactly_what_the_documented_serializer_says(awaiting_review):
    """The endpoint shapes rows by hand for speed (issue 15); its JSON is
    the contract AttributeSerializer documents, byte for byte, with and
    without a recommendation."""
    import json

    from scoping import queries
    from scoping.serializers import AttributeSerializer

    cr = awaiting_review
    queries.recommendations(cr).filter(attribute__line_number=2).delete()
    recs = {r.attribute_id: r for r in queries.recommendations(cr)}
    expected = AttributeSerializer(queries.attributes(cr), many=True, context={"recommendations": recs}).data
    expected = json.loads(json.dumps(expected))
    rows = api(cr.tester).get(url(cr, "attributes")).json()
    assert rows == expected
    assert [list(row) for row in rows] == [list(row) for row in expected]  # field order too
    assert [row["recommendation"] is None for row in rows] == [False, True, False, False, False, False]


def test_status_while_awaiting_review(awaiting_review):
    cr = awaiting_review
    body = api(cr.report_owner).get(url(cr, "status")).json()
    assert body["awaiting_action"] == "tester_review"
    assert body["assignee"] == cr.tester.username
    assert body["phase_progress"]["Scoping"] == "in_progress"
    assert body["source"] == "workflow"


def test_tester_review_400s_save_nothing(awaiting_review):
    cr = awaiting_review
    c = api(cr.tester)
    recs = {r.attribute_id: r for r in Recommendation.objects.filter(cycle_report=cr).select_related("attribute")}
    pk = next(a for a, r in recs.items() if r.attribute.is_primary_key)
    flip = next(a for a, r in recs.items() if not r.attribute.is_primary_key)
    other = scoped_report(attributes=1)
    foreign = ReportAttribute.objects.get(report=other.report).pk
    full = decisions(cr)["decisions"]
    cases = {
        "missing decisions": {},
        "empty list": {"decisions": []},
        "wrong type": {"decisions": "all"},
        "not an object": [1, 2],
        "missing attribute": {"decisions": full[1:]},
        "override without rationale": decisions(cr, {flip: (not recs[flip].include, "")}),
        "primary key excluded": decisions(cr, {pk: (False, "not needed")}),
        "attribute of another report": {"decisions": full + [{"attribute_id": foreign, "include": True}]},
        "decided twice": {"decisions": full + full[:1]},
        "include not a boolean": {"decisions": [{**full[0], "include": "perhaps"}] + full[1:]},
        "attribute id not a number": {"decisions": [{**full[0], "attribute_id": "x"}] + full[1:]},
    }
    for name, body in cases.items():
        r = c.post(url(cr, "tester-review"), body, format="json")
        assert r.status_code == 400, (name, r.status_code, r.content)
        assert r.json(), name
    malformed = c.post(url(cr, "tester-review"), "{not json", content_type="application/json")
    assert malformed.status_code == 400
    assert not ScopingSubmission.objects.exists()
    assert not InboundSubmission.objects.exists()
    # The rationale error names the attribute.
    r = c.post(url(cr, "tester-review"), cases["override without rationale"], format="json")
    assert str(flip) in r.json()["decisions"]


def test_409_when_not_awaiting_and_403_for_wrong_person(awaiting_review):
    cr = awaiting_review
    owner = api(cr.report_owner)
    r = owner.post(url(cr, "report-owner-approval"), {"approved": True}, format="json")
    assert r.status_code == 409 and "not awaiting" in r.json()["detail"]
    other_tester = api(UserFactory(role=roles.TESTER))
    assert other_tester.post(url(cr, "tester-review"), decisions(cr), format="json").status_code == 403
    # The owner can see the report but is not the assignee of the review.
    assert owner.post(url(cr, "tester-review"), decisions(cr), format="json").status_code == 403


def test_full_run_over_the_api(awaiting_review, temporal):
    cr = awaiting_review
    tester, owner = api(cr.tester), api(cr.report_owner)
    r = tester.post(url(cr, "tester-review"), decisions(cr), format="json")
    assert r.status_code == 200 and r.json()["version"] == 1
    # Late repeat without a key: the step moved on.
    assert tester.post(url(cr, "tester-review"), decisions(cr), format="json").status_code == 409
    helpers.wait_for_awaiting(temporal, cr, "report_owner_approval")
    assert owner.get(url(cr, "status")).json()["assignee"] == cr.report_owner.username
    # The reviewer cannot approve; comments are needed to send back.
    assert tester.post(url(cr, "report-owner-approval"), {"approved": True}, format="json").status_code == 403
    r = owner.post(url(cr, "report-owner-approval"), {"approved": False, "comments": "  "}, format="json")
    assert r.status_code == 400 and "comments" in r.json()
    assert owner.post(url(cr, "report-owner-approval"), {"comments": "x"}, format="json").status_code == 400
    r = owner.post(url(cr, "report-owner-approval"), {"approved": True, "comments": "Fine"}, format="json")
    assert r.status_code == 200, r.content
    outcome = helpers.scoping_outcome(temporal, cr)
    assert outcome["approved_version"] == 1
    assert OwnerDecision.objects.get().outcome == "approved"
    body = tester.get(url(cr, "status")).json()
    assert body["phase_progress"] == {"Scoping": "completed", "Sample Selection": "in_progress", "Evidence": "not_started"}
    assert body["awaiting_action"] == "sample_selection" and body["current_phase"] == "Sample Selection"
    # Starting again after completion is harmless.
    again = tester.post(url(cr, "start"))
    assert again.status_code == 200 and again.json()["started"] is False


def test_tasks_endpoint_lists_my_open_tasks(awaiting_review):
    cr = awaiting_review
    rows = api(cr.tester).get("/api/tasks/").json()
    rows = rows["results"] if isinstance(rows, dict) else rows
    assert [(t["kind"], t["cycle_id"], t["report_id"], t["assignee"], t["state"]) for t in rows] == [
        ("tester_review", cr.cycle_id, cr.report_id, cr.tester.username, "open")
    ]
    assert {"id", "due_at"} <= set(rows[0])
    assert api(cr.report_owner).get("/api/tasks/").json() == []
