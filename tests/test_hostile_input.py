"""Issue 5, part 7: malformed, oversized, wrongly typed and cross-report
input to every endpoint: never a 500, never a partial write, never a stuck
workflow; oversized bodies are refused before they reach Temporal."""
import json

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from hypothesis import HealthCheck, example, given, settings as hsettings, strategies as st
from rest_framework.test import APIClient

from cycles import workflow_types as t
from scoping import workflow_steps as s
from reviews.models import InboundSubmission
from scoping.models import OwnerDecision, ScopingSubmission
from cycles.models import ReportAttribute

from . import helpers
from .factories import scoped_report
from .temporal_harness import env_flag
from .test_accept_or_refuse import awaiting_review  # noqa: F401  (fixture)
from .test_api import api, decisions, url
from .clients import browser as login

HYPOTHESIS = hsettings(
    max_examples=25,
    deadline=None,
    # CI explores the same examples every run, so that a red build always
    # means a change broke something; a laptop run explores new ones.
    derandomize=env_flag("CI"),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    # Non-finite numbers cannot be JSON-encoded by the client: see the raw-body test.
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
)
json_values = st.recursive(
    scalars, lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12,
)
odd_text = st.one_of(st.text(max_size=50), st.text(alphabet=st.characters(max_codepoint=31), max_size=5), st.just("x" * 5000))
keys = st.one_of(st.none(), st.text(max_size=210))


def _decision(ids):
    return st.fixed_dictionaries(
        {},
        optional={
            "attribute_id": st.one_of(ids, scalars),
            "include": st.one_of(st.booleans(), scalars),
            "rationale": st.one_of(odd_text, scalars),
        },
    )


def _no_writes():
    assert not ScopingSubmission.objects.exists()
    assert not InboundSubmission.objects.exists()
    assert not OwnerDecision.objects.exists()


def _clear(r, allowed):
    assert r.status_code < 500, r.content[:500]
    assert r.status_code in allowed, (r.status_code, r.content[:500])
    if r.status_code >= 400 and r["Content-Type"].startswith("application/json"):
        assert r.json(), "an error without a message"


@pytest.mark.temporal
def test_api_submissions_never_500_never_write_never_wedge(awaiting_review, temporal):
    cr = awaiting_review
    own = list(ReportAttribute.objects.filter(report=cr.report).order_by("id").values_list("id", flat=True))
    other = scoped_report(attributes=2)
    foreign = list(ReportAttribute.objects.filter(report=other.report).values_list("id", flat=True))
    # Never all of this report's ids, so no drawn review is complete (valid).
    ids = st.sampled_from(own[:-1] + foreign)
    reviews = st.one_of(
        json_values,
        st.fixed_dictionaries({"decisions": st.one_of(st.lists(_decision(ids), max_size=6), json_values)}),
    )
    approvals = st.one_of(
        json_values.filter(lambda v: not (isinstance(v, dict) and "approved" in v)),
        st.fixed_dictionaries(
            {"approved": st.sampled_from([None, "perhaps", 2, [], {}, 1.5, "nope"])},
            optional={"comments": st.one_of(odd_text, scalars)},
        ),
    )
    tester, owner = api(cr.tester), api(cr.report_owner)

    @HYPOTHESIS
    @given(body=reviews, key=keys, raw=st.booleans())
    def tester_review(body, key, raw):
        headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
        if raw:  # not even JSON
            r = tester.post(url(cr, "tester-review"), json.dumps(body)[:-1] or "{", content_type="application/json", **headers)
        else:
            r = tester.post(url(cr, "tester-review"), body, format="json", **headers)
        _clear(r, {400})
        _no_writes()

    @HYPOTHESIS
    @given(body=approvals, key=keys)
    def owner_approval(body, key):
        headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
        _clear(owner.post(url(cr, "report-owner-approval"), body, format="json", **headers), {400, 409})
        # Cross-report: the owner of this report is a stranger to the other one.
        _clear(owner.post(url(other, "tester-review"), body, format="json", **headers), {400, 403})

    tester_review()
    owner_approval()
    _no_writes()
    # Not wedged: a valid review still completes the step, then the approval.
    r = tester.post(url(cr, "tester-review"), decisions(cr), format="json")
    assert r.status_code == 200, r.content
    helpers.wait_for_awaiting(temporal, cr, s.REPORT_OWNER_APPROVAL)

    @HYPOTHESIS
    @given(body=approvals, key=keys)
    def owner_approval_when_awaited(body, key):
        headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
        _clear(owner.post(url(cr, "report-owner-approval"), body, format="json", **headers), {400})
        assert not OwnerDecision.objects.exists()

    owner_approval_when_awaited()
    r = owner.post(url(cr, "report-owner-approval"), {"approved": True}, format="json")
    assert r.status_code == 200, r.content
    assert helpers.scoping_outcome(temporal, cr)["approved_version"] == 1


@pytest.mark.temporal
def test_html_forms_never_500_never_write(awaiting_review, temporal):
    cr = awaiting_review
    tester, owner = login(cr.tester), login(cr.report_owner)
    review = f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/review/"
    own = list(ReportAttribute.objects.filter(report=cr.report).order_by("id").values_list("id", flat=True))
    approval = f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/approval/"
    form_field = st.one_of(
        st.sampled_from(["submission_token", "decision", "comments", "accept_all"]),
        # Never the last attribute's choice, so no drawn form is a complete review.
        st.sampled_from([f"include_{a}" for a in own[:-1]]),
        st.sampled_from([f"rationale_{a}" for a in ReportAttribute.objects.values_list("id", flat=True)]),
        st.text(max_size=10),
    )
    forms = st.dictionaries(form_field, st.one_of(odd_text, st.lists(st.text(max_size=5), max_size=3)), max_size=8)

    @HYPOTHESIS
    @given(data=forms)
    def post(data):
        if data.get("accept_all") is not None and "submission_token" in data:
            data.pop("accept_all")  # accept-all with a token is a valid review
        _clear(tester.post(review, data), {400})
        _clear(owner.post(approval, data), {302})  # not awaited yet: back to the status page
        _no_writes()

    post()
    ok = tester.post(review, helpers.review_form_data(cr, token="finally"))
    assert ok.status_code == 302
    assert ScopingSubmission.objects.count() == 1
    helpers.wait_for_awaiting(temporal, cr, s.REPORT_OWNER_APPROVAL)  # nothing in flight at teardown


@pytest.mark.temporal
def test_start_and_token_endpoints_never_500(temporal):
    cr = scoped_report(attributes=2)
    tester = api(cr.tester)

    @HYPOTHESIS
    @given(body=json_values, creds=st.fixed_dictionaries({}, optional={"username": st.one_of(odd_text, scalars), "password": st.one_of(odd_text, scalars)}))
    def post(body, creds):
        # Each example starts with no failed sign-in counted: more than
        # SIGN_IN_ADDRESS_FAILURE_LIMIT of them lock the address (429,
        # tests/test_sign_in_throttling.py).
        AccessAttempt.objects.all().delete()
        _clear(tester.post(url(cr, "start"), body, format="json"), {200, 201})
        _clear(APIClient().post("/api/auth/token/", body, format="json"), {400})
        _clear(APIClient().post("/api/auth/token/", creds, format="json"), {400})

    post()
    helpers.wait_for_awaiting(temporal, cr, s.TESTER_REVIEW)  # nothing in flight at teardown


@HYPOTHESIS
@given(
    cycle=st.one_of(st.integers(min_value=0, max_value=10**30), st.sampled_from(["-1", "1e3", "0x10", "١"])),
    report=st.integers(min_value=0, max_value=10**30),
)
@example(cycle=10**30, report=1)
@example(cycle=1, report=2**63)
def test_odd_ids_in_urls_are_404_not_500(db, cycle, report):
    from .factories import UserFactory

    user = UserFactory(username="prober", role="test manager")
    c = Client()
    c.force_login(user)
    a = APIClient()
    a.force_authenticate(user)
    for path in (
        f"/api/cycles/{cycle}/reports/{report}/status",
        f"/api/cycles/{cycle}/reports/{report}/attributes",
    ):
        _clear(a.get(path), {404})
    _clear(a.post(f"/api/cycles/{cycle}/reports/{report}/tester-review", {}, format="json"), {404})
    for path in (
        f"/cycles/{cycle}/",
        f"/cycles/{cycle}/audit.csv",
        f"/cycles/{cycle}/reports/{report}/",
        f"/cycles/{cycle}/reports/{report}/review/",
        f"/cycles/{cycle}/reports/{report}/approval/",
    ):
        _clear(c.get(path), {404})


# --- oversized and pathological bodies (explicit, not drawn) -----------------


def _oversized_review() -> str:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    row = {"attribute_id": 1, "include": True, "rationale": "r" * 3000}
    body = json.dumps({"decisions": [row] * (limit // 3000 + 10)})
    assert len(body) > limit
    return body


@pytest.mark.temporal
def test_oversized_json_is_413_before_temporal(awaiting_review, temporal):
    cr = awaiting_review
    r = api(cr.tester).post(url(cr, "tester-review"), _oversized_review(), content_type="application/json")
    assert r.status_code == 413
    assert "limit is" in r.json()["detail"]
    _no_writes()
    assert helpers.query(temporal, cr)["awaiting_action"] == s.TESTER_REVIEW
    big_form = helpers.review_form_data(cr, token="big")
    big_form["comments"] = "c" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    page = login(cr.tester).post(f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/review/", big_form)
    assert page.status_code == 413 and b"limit is" in page.content
    _no_writes()


def test_oversized_token_request_and_deep_json_are_clear_4xx(db):
    c = APIClient()
    r = c.post("/api/auth/token/", _oversized_review(), content_type="application/json")
    assert r.status_code == 413 and r.json()["detail"]
    deep = "[" * 100_000 + "]" * 100_000
    assert len(deep) < settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    r = c.post("/api/auth/token/", deep, content_type="application/json")
    assert r.status_code == 400 and "nested too deeply" in r.json()["detail"]


@pytest.mark.temporal
def test_deep_json_and_control_character_keys_on_submissions(awaiting_review, temporal):
    cr = awaiting_review
    c = api(cr.tester)
    r = c.post(url(cr, "tester-review"), '{"decisions":' + "[" * 100_000, content_type="application/json")
    assert r.status_code == 400 and "nested too deeply" in r.json()["detail"]
    r = c.post(url(cr, "tester-review"), decisions(cr), format="json", HTTP_IDEMPOTENCY_KEY="a\x00b")
    assert r.status_code == 400 and "printable" in r.json()["detail"]
    _no_writes()


def test_a_full_size_review_fits_temporals_payload_limit():
    """The largest body Django accepts, as a workflow payload, stays well
    under Temporal's 2 MB default blob limit."""
    from temporalio.converter import default

    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    row = {"attribute_id": 2**62, "include": True, "rationale": "r" * 3900}
    rows = [s.Decision(**row)] * (limit // len(json.dumps(row)))
    message = s.TesterReviewSubmission(submission_id="x" * 36, submitted_by="u" * 150, on_behalf_of="u" * 150, decisions=rows)
    payload = default().payload_converter.to_payloads([message])[0]
    assert len(payload.data) < 2 * 1024 * 1024 * 0.75


@pytest.mark.temporal
def test_non_finite_numbers_in_raw_json_are_a_400(temporal):
    cr = scoped_report(attributes=2)
    tester = api(cr.tester)
    assert tester.post(url(cr, "start"), {}, format="json").status_code == 201
    helpers.wait_for_awaiting(temporal, cr, s.TESTER_REVIEW)
    for body in ("Infinity", '{"decisions": NaN}', '{"decisions": [{"attribute_id": 1e400, "include": true}]}'):
        r = tester.post(url(cr, "tester-review"), body, content_type="application/json")
        assert r.status_code == 400, (body, r.status_code, r.content)
    r = api(cr.report_owner).post(url(cr, "report-owner-approval"), '{"approved": Infinity}', content_type="application/json")
    assert r.status_code in (400, 409)
    assert not ScopingSubmission.objects.exists() and not InboundSubmission.objects.exists()
