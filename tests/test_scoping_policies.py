"""Owner-approval policy and pluggable recommenders, on a real workflow."""
import pytest
from rest_framework.test import APIClient

from cycles.models import CycleReport
from reviews.models import HumanTask
from scoping.models import OwnerDecision, Recommendation
from scoping.recommenders import Suggestion

from . import helpers
from .factories import scoped_report

pytestmark = pytest.mark.temporal


class EverythingRecommender:
    """A stand-in provider (as an LLM provider would be): includes all."""

    source = "everything-v0"

    def recommend(self, attributes):
        return [Suggestion(a.id, True, 77, f"{a.name}: include everything") for a in attributes]


def _client(user):
    c = APIClient()
    c.force_authenticate(user)
    return c


def _decisions(cr, flip=None):
    out = []
    for rec in Recommendation.objects.filter(cycle_report=cr).select_related("attribute"):
        include = rec.include
        rationale = ""
        if flip == rec.attribute_id:
            include, rationale = not include, "Tested last quarter with no findings"
        out.append({"attribute_id": rec.attribute_id, "include": include, "rationale": rationale})
    return {"decisions": out}


def _url(cr, name):
    return f"/api/cycles/{cr.cycle_id}/reports/{cr.report_id}/{name}"


def test_on_override_policy_skips_approval_when_the_tester_agrees(temporal):
    cr = scoped_report(attributes=4, report__owner_approval_policy="on_override")
    tester = _client(cr.tester)
    assert tester.post(_url(cr, "start")).status_code == 201
    helpers.wait_for_awaiting(temporal, cr, "tester_review")
    assert tester.post(_url(cr, "tester-review"), _decisions(cr), format="json").status_code == 200
    outcome = helpers.scoping_outcome(temporal, cr)
    assert outcome["approved_version"] == 1
    assert not HumanTask.objects.filter(cycle_report=cr, kind="report_owner_approval").exists()
    assert not OwnerDecision.objects.exists()
    cr.refresh_from_db()
    assert helpers.phase_status(cr, "Scoping") == "completed"


def test_on_override_policy_requires_approval_after_an_override(temporal):
    cr = scoped_report(attributes=4, report__owner_approval_policy="on_override")
    tester = _client(cr.tester)
    tester.post(_url(cr, "start"))
    helpers.wait_for_awaiting(temporal, cr, "tester_review")
    flip = cr.report.attributes.filter(is_primary_key=False).first().pk
    assert tester.post(_url(cr, "tester-review"), _decisions(cr, flip), format="json").status_code == 200
    status = helpers.wait_for_awaiting(temporal, cr, "report_owner_approval")
    assert status["assignee"] == cr.report_owner.username


def test_a_configured_recommender_provides_the_recommendations(temporal, settings):
    settings.SCOPING_RECOMMENDER = "tests.test_scoping_policies.EverythingRecommender"
    cr = scoped_report(attributes=3)
    _client(cr.tester).post(_url(cr, "start"))
    helpers.wait_for_awaiting(temporal, cr, "tester_review")
    recs = Recommendation.objects.filter(cycle_report=cr)
    assert {(r.include, r.risk_score, r.source) for r in recs} == {(True, 77, "everything-v0")}
    rows = _client(cr.tester).get(_url(cr, "attributes")).json()
    assert all(row["recommendation"]["rationale"].endswith("include everything") for row in rows)
