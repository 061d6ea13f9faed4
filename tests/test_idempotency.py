"""Issue 5, part 2: the same submission twice has one effect and gets the
same answer (API Idempotency-Key, form token). A key reused for a different
submission is refused with 409 (code idempotency_key_reused): answering with
the first answer would tell the caller a submission was applied that was not."""
import pytest

from cycles import workflow_types as t
from scoping import workflow_steps as s
from reviews.models import InboundSubmission
from scoping.models import ScopingSubmission

from . import helpers
from .factories import scoped_report
from .test_accept_or_refuse import awaiting_review  # noqa: F401  (fixture)
from .test_api import api, decisions, url
from .clients import browser as login
from .workflow_histories import review_payload

pytestmark = pytest.mark.temporal


def test_api_same_key_twice_same_answer_one_effect(awaiting_review, temporal):
    cr = awaiting_review
    c = api(cr.tester)
    first = c.post(url(cr, "tester-review"), review_payload(cr), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    second = c.post(url(cr, "tester-review"), review_payload(cr), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert ScopingSubmission.objects.count() == 1 and InboundSubmission.objects.count() == 1
    # The same key with whitespace around it is the same key.
    third = c.post(url(cr, "tester-review"), review_payload(cr), format="json", HTTP_IDEMPOTENCY_KEY=" k-1 ")
    assert third.json() == first.json()
    helpers.wait_for_awaiting(temporal, cr, s.REPORT_OWNER_APPROVAL)  # nothing in flight at teardown


def test_api_key_reused_for_a_different_submission_is_409(awaiting_review, temporal):
    cr = awaiting_review
    c = api(cr.tester)
    first = c.post(url(cr, "tester-review"), decisions(cr), format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert first.status_code == 200
    changed = c.post(url(cr, "tester-review"), review_payload(cr), format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert changed.status_code == 409
    assert changed.json()["code"] == "idempotency_key_reused" and "different submission" in changed.json()["detail"]
    # Another report, same key: not "accepted", and nothing applied there.
    other = scoped_report(attributes=2, tester=cr.tester)
    assert api(cr.tester).post(url(other, "start")).status_code == 201
    helpers.wait_for_awaiting(temporal, other, s.TESTER_REVIEW)
    cross = c.post(url(other, "tester-review"), decisions(other), format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert cross.status_code == 409 and cross.json()["code"] == "idempotency_key_reused"
    assert not ScopingSubmission.objects.filter(cycle_report=other).exists()
    # A fresh key works there.
    ok = c.post(url(other, "tester-review"), decisions(other), format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    assert ok.status_code == 200
    helpers.wait_for_awaiting(temporal, other, s.REPORT_OWNER_APPROVAL)
    # The service itself (used by the forms) answers the same way.
    from reviews import submissions

    assert submissions.submit(cr, s.TESTER_REVIEW, cr.tester, review_payload(cr), "k-2").status == 409
    helpers.wait_for_awaiting(temporal, cr, s.REPORT_OWNER_APPROVAL)  # nothing in flight at teardown


def test_keys_are_per_user(awaiting_review, temporal):
    """Another user's key never replays their answer to me."""
    cr = awaiting_review
    assert api(cr.tester).post(url(cr, "tester-review"), decisions(cr), format="json", HTTP_IDEMPOTENCY_KEY="shared").status_code == 200
    helpers.wait_for_awaiting(temporal, cr, s.REPORT_OWNER_APPROVAL)
    r = api(cr.report_owner).post(url(cr, "report-owner-approval"), {"approved": True}, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    assert r.status_code == 200 and r.json()["accepted"] is True
    assert InboundSubmission.objects.count() == 2
    helpers.wait_for_awaiting(temporal, cr, "sample_selection")  # nothing in flight at teardown


def test_form_double_submit_one_effect_same_answer(awaiting_review, temporal):
    cr = awaiting_review
    tester = login(cr.tester)
    path = f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/review/"
    data = helpers.review_form_data(cr, token="form-token-1")
    answers = [tester.post(path, data, follow=True) for _ in range(2)]
    for r in answers:
        assert r.status_code == 200
        assert [str(m) for m in r.context["messages"]] == ["Your review was accepted (version 1)."]
    assert ScopingSubmission.objects.count() == 1 and InboundSubmission.objects.count() == 1

    # The owner's form too, and a changed form under a used token is not "accepted".
    helpers.wait_for_awaiting(temporal, cr, s.REPORT_OWNER_APPROVAL)
    owner = login(cr.report_owner)
    approval = f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/approval/"
    back = {"submission_token": "o-1", "decision": "request_changes", "comments": "Keep the rate"}
    assert owner.post(approval, back, follow=True).redirect_chain[0][1] == 302
    again = owner.post(approval, back, follow=True)
    assert [str(m) for m in again.context["messages"]] == ["Your decision was accepted (version 1)."]
    edited = owner.post(approval, {**back, "decision": "approve"}, follow=True)
    assert "already submitted" in [str(m) for m in edited.context["messages"]][0]
    assert InboundSubmission.objects.filter(kind=s.REPORT_OWNER_APPROVAL).count() == 1
    assert helpers.wait_for_task(cr, s.TESTER_REVIEW, round_no=2)
    helpers.wait_for_awaiting(temporal, cr, s.TESTER_REVIEW)  # nothing in flight at teardown


def test_a_refused_form_gets_a_fresh_token(awaiting_review, temporal):
    """Otherwise the corrected form would replay the refusal forever."""
    from reviews.models import HumanTask

    cr = awaiting_review
    handle = temporal.env.client.get_workflow_handle(cr.expected_workflow_id)
    task = HumanTask.objects.get(cycle_report=cr, kind=s.TESTER_REVIEW)
    temporal.run(handle.signal("reassign_task_signal", t.Reassign(s.TESTER_REVIEW, task.pk, "someone", "m")))
    helpers.wait_until(lambda: helpers.query(temporal, cr)["assignee"] == "someone")
    tester = login(cr.tester)
    path = f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/review/"
    refused = tester.post(path, helpers.review_form_data(cr, token="used-token"))
    assert refused.status_code == 400
    token = refused.context["form"]["submission_token"].value()
    assert token and token != "used-token"
    assert f'value="{token}"' in refused.content.decode()
    temporal.run(handle.signal("reassign_task_signal", t.Reassign(s.TESTER_REVIEW, task.pk, cr.tester.username, "m")))
    helpers.wait_until(lambda: helpers.query(temporal, cr)["assignee"] == cr.tester.username)
    ok = tester.post(path, helpers.review_form_data(cr, token=token))
    assert ok.status_code == 302
    assert ScopingSubmission.objects.count() == 1
    helpers.wait_for_awaiting(temporal, cr, s.REPORT_OWNER_APPROVAL)  # nothing in flight at teardown


def test_a_passing_refusal_is_not_frozen_under_its_key(awaiting_review, temporal):
    """Issue 9, item 6. The approval is tried in the moment before its step
    opens: the database already lists the task, the workflow still awaits
    the review, and answers 409. The same request with the same key, once
    the step is open, is applied: only final outcomes are replayed."""
    from reviews.models import HumanTask

    from . import rows

    cr = awaiting_review
    early = rows.task(cr, s.REPORT_OWNER_APPROVAL, assignee=cr.report_owner)
    owner = api(cr.report_owner)
    body = {"approved": True, "comments": "Fine"}
    refused = owner.post(url(cr, "report-owner-approval"), body, format="json", HTTP_IDEMPOTENCY_KEY="ap-1")
    assert refused.status_code == 409, refused.content
    assert InboundSubmission.objects.get(idempotency_key="ap-1").state == InboundSubmission.State.REFUSED
    # Not yet: the same key is tried again, and refused again for now.
    assert owner.post(url(cr, "report-owner-approval"), body, format="json", HTTP_IDEMPOTENCY_KEY="ap-1").status_code == 409
    HumanTask.objects.filter(pk=early.pk).delete()
    assert api(cr.tester).post(url(cr, "tester-review"), decisions(cr), format="json").status_code == 200
    helpers.wait_for_awaiting(temporal, cr, s.REPORT_OWNER_APPROVAL)

    applied = owner.post(url(cr, "report-owner-approval"), body, format="json", HTTP_IDEMPOTENCY_KEY="ap-1")
    assert applied.status_code == 200, applied.content
    assert applied.json()["accepted"] is True
    # From now on the key's answer is final: a repeat replays it, once applied.
    again = owner.post(url(cr, "report-owner-approval"), body, format="json", HTTP_IDEMPOTENCY_KEY="ap-1")
    assert again.status_code == 200 and again.json() == applied.json()
    assert InboundSubmission.objects.filter(idempotency_key="ap-1").count() == 1
    assert helpers.scoping_outcome(temporal, cr)["approved_version"] == 1


def test_a_final_refusal_is_replayed_under_its_key(awaiting_review, temporal):
    """A payload the workflow refuses as invalid stays refused for its key."""
    cr = awaiting_review
    assert api(cr.tester).post(url(cr, "tester-review"), decisions(cr), format="json").status_code == 200
    helpers.wait_for_awaiting(temporal, cr, s.REPORT_OWNER_APPROVAL)
    from reviews import submissions

    # Past the serializer (which would refuse it first): the workflow's 400.
    first = submissions.submit(cr, s.REPORT_OWNER_APPROVAL, cr.report_owner, {"approved": False, "comments": ""}, "ap-2")
    assert first.status == 400, first.body
    again = submissions.submit(cr, s.REPORT_OWNER_APPROVAL, cr.report_owner, {"approved": False, "comments": ""}, "ap-2")
    assert (again.status, again.body) == (first.status, first.body)
    assert InboundSubmission.objects.get(idempotency_key="ap-2").attempts == 1
