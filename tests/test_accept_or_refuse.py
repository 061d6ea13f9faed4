"""Issue 5, part 1: the workflow accepts or refuses a submission at once
(Update validators), and the reason reaches the person; signals get the same
validation, and an invalid one is recorded and ignored."""
import uuid

import pytest
from django.utils import timezone
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from cycles import workflow_types as t
from cycles.human_steps import ApprovalSubmission
from scoping import workflow_steps as s
from reviews.models import AuditEvent, HumanTask, InboundSubmission
from scoping.models import OwnerDecision, Recommendation, ScopingSubmission

from . import helpers
from .factories import AttributeFactory, UserFactory
from .temporal_harness import wait_until
from .test_api import api, decisions, url
from .clients import browser as login
from .workflow_histories import review_payload

pytestmark = pytest.mark.temporal


@pytest.fixture
def awaiting_review(temporal):
    from .factories import scoped_report

    cr = scoped_report(attributes=4)
    assert api(cr.tester).post(url(cr, "start")).status_code == 201
    helpers.wait_for_task(cr, s.TESTER_REVIEW)
    helpers.wait_for_awaiting(temporal, cr, s.TESTER_REVIEW)
    return cr


def _handle(temporal, cr):
    return temporal.env.client.get_workflow_handle(cr.expected_workflow_id)


def _refusal(temporal, cr, update, message) -> ApplicationError:
    with pytest.raises(WorkflowUpdateFailedError) as failed:
        temporal.run(_handle(temporal, cr).execute_update(update, message, id=f"u-{uuid.uuid4()}", result_type=dict))
    assert isinstance(failed.value.cause, ApplicationError)
    return failed.value.cause


def _review(cr, sender, on_behalf_of=None, payload=None, sid=None):
    payload = payload if payload is not None else review_payload(cr)
    return s.TesterReviewSubmission(
        submission_id=sid or f"s-{uuid.uuid4()}",
        submitted_by=sender,
        on_behalf_of=on_behalf_of or sender,
        decisions=[s.Decision(**d) for d in payload["decisions"]],
    )


def test_update_validators_refuse_with_a_type_and_a_reason(awaiting_review, temporal):
    cr = awaiting_review
    tester, owner = cr.tester.username, cr.report_owner.username
    wrong_step = _refusal(
        temporal, cr, "submit_report_owner_approval",
        ApprovalSubmission(submission_id="a1", submitted_by=owner, on_behalf_of=owner, approved=True),
    )
    assert (wrong_step.type, wrong_step.message) == (t.ERR_NOT_AWAITING, "this report is not awaiting a report owner approval")
    stranger = _refusal(temporal, cr, "submit_tester_review", _review(cr, "mallory"))
    assert stranger.type == t.ERR_NOT_ASSIGNEE and f"assigned to {tester}, not mallory" in stranger.message
    missing = review_payload(cr)
    missing["decisions"] = missing["decisions"][1:]
    invalid = _refusal(temporal, cr, "submit_tester_review", _review(cr, tester, payload=missing))
    assert invalid.type == t.ERR_INVALID and "a decision is required for every attribute" in invalid.message
    # Nothing was recorded and the step still waits; a valid one completes it.
    assert not ScopingSubmission.objects.exists()
    assert helpers.query(temporal, cr)["awaiting_action"] == s.TESTER_REVIEW
    r = api(cr.tester).post(url(cr, "tester-review"), review_payload(cr), format="json")
    assert r.status_code == 200 and r.json()["version"] == 1
    helpers.wait_for_awaiting(temporal, cr, s.REPORT_OWNER_APPROVAL)
    sod = _refusal(
        temporal, cr, "submit_report_owner_approval",
        ApprovalSubmission(submission_id="a2", submitted_by=tester, on_behalf_of=owner, approved=True),
    )
    assert sod.type == t.ERR_SEPARATION_OF_DUTIES and "cannot approve" in sod.message


def test_409_from_the_workflow_reaches_the_api_caller(awaiting_review, temporal):
    """The database says an approval is open, the workflow knows better."""
    cr = awaiting_review
    now = timezone.now()
    stray = HumanTask.objects.create(
        kind=s.REPORT_OWNER_APPROVAL, cycle_report=cr, round=9, assignee=cr.report_owner,
        original_assignee=cr.report_owner, opened_at=now, due_at=now, workflow_id=cr.expected_workflow_id,
    )
    r = api(cr.report_owner).post(url(cr, "report-owner-approval"), {"approved": True}, format="json")
    assert r.status_code == 409
    assert r.json()["detail"] == "this report is not awaiting a report owner approval"
    assert InboundSubmission.objects.get().state == InboundSubmission.State.REFUSED
    assert not OwnerDecision.objects.exists()
    assert AuditEvent.objects.filter(event="submission_refused", detail__contains="(409)").exists()
    stray.delete()


def test_403_from_the_workflow_after_a_reassignment_the_database_missed(awaiting_review, temporal):
    cr = awaiting_review
    handle = _handle(temporal, cr)
    task = HumanTask.objects.get(cycle_report=cr, kind=s.TESTER_REVIEW)
    other = UserFactory(role="tester")
    temporal.run(handle.signal("reassign_task_signal", t.Reassign(s.TESTER_REVIEW, task.pk, other.username, "m")))
    wait_until(lambda: helpers.query(temporal, cr)["assignee"] == other.username, message="reassigned")

    r = api(cr.tester).post(url(cr, "tester-review"), review_payload(cr), format="json")
    assert r.status_code == 403
    assert r.json()["detail"] == f"this step is assigned to {other.username}, not {cr.tester.username}"
    # The form shows the same reason as a form error.
    page = login(cr.tester).post(
        f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/review/", helpers.review_form_data(cr, token="form-1")
    )
    assert page.status_code == 400 and f"this step is assigned to {other.username}" in page.content.decode()
    assert not ScopingSubmission.objects.exists()

    # Not stuck: once the workflow agrees again, the review goes through.
    temporal.run(handle.signal("reassign_task_signal", t.Reassign(s.TESTER_REVIEW, task.pk, cr.tester.username, "back")))
    wait_until(lambda: helpers.query(temporal, cr)["assignee"] == cr.tester.username, message="reassigned back")
    r = api(cr.tester).post(url(cr, "tester-review"), review_payload(cr), format="json")
    assert r.status_code == 200, r.content
    helpers.wait_for_awaiting(temporal, cr, s.REPORT_OWNER_APPROVAL)  # nothing in flight at teardown


def test_400_from_the_workflow_for_content_it_cannot_accept(awaiting_review, temporal):
    """An attribute added after the review opened: the database would take
    it, the workflow's snapshot of the step refuses it, and says why."""
    cr = awaiting_review
    late = AttributeFactory(report=cr.report, line_number=99)
    Recommendation.objects.create(cycle_report=cr, attribute=late, include=True, risk_score=50, rationale="late", source="rules")
    r = api(cr.tester).post(url(cr, "tester-review"), decisions(cr), format="json")
    assert r.status_code == 400
    assert r.json()["detail"] == f"attribute {late.pk} is not an attribute of this report"
    assert not ScopingSubmission.objects.exists()
    Recommendation.objects.filter(attribute=late).delete()
    r = api(cr.tester).post(url(cr, "tester-review"), decisions(cr), format="json")
    assert r.status_code == 200, r.content
    helpers.wait_for_awaiting(temporal, cr, s.REPORT_OWNER_APPROVAL)  # nothing in flight at teardown


def test_signals_are_validated_recorded_when_refused_and_applied_once(awaiting_review, temporal):
    cr = awaiting_review
    handle = _handle(temporal, cr)
    tester = cr.tester.username

    def refused_count():
        return AuditEvent.objects.filter(cycle_report=cr, event="submission_refused", detail__contains="signal refused").count()

    incomplete = review_payload(cr)
    incomplete["decisions"] = incomplete["decisions"][:1]
    temporal.run(handle.signal("tester_review_signal", _review(cr, tester, payload=incomplete, sid="bad-content")))
    temporal.run(handle.signal("tester_review_signal", _review(cr, "mallory", sid="bad-sender")))
    wait_until(lambda: refused_count() == 2, message="two refusals recorded")
    # The two refusal activities may run concurrently: match by content, not order.
    details = list(AuditEvent.objects.filter(cycle_report=cr, event="submission_refused").values_list("detail", flat=True))
    assert any("a decision is required for every attribute" in d for d in details), details
    assert any(f"assigned to {tester}, not mallory" in d for d in details), details
    status = helpers.query(temporal, cr)
    assert status["awaiting_action"] == s.TESTER_REVIEW and status["refused_messages"] == 2
    assert not ScopingSubmission.objects.exists()

    good = _review(cr, tester, sid="good-1")
    for _ in range(3):  # the sender retries: one effect
        temporal.run(handle.signal("tester_review_signal", good))
    helpers.wait_for_awaiting(temporal, cr, s.REPORT_OWNER_APPROVAL)
    temporal.run(handle.signal("tester_review_signal", good))  # late repeat
    owner = cr.report_owner.username
    temporal.run(
        handle.signal(
            "report_owner_approval_signal",
            ApprovalSubmission(submission_id="ok-1", submitted_by=owner, on_behalf_of=owner, approved=True),
        )
    )
    outcome = helpers.scoping_outcome(temporal, cr)
    assert (outcome["versions"], outcome["approved_version"]) == (1, 1)
    assert list(ScopingSubmission.objects.values_list("message_id", flat=True)) == ["good-1"]
    assert OwnerDecision.objects.get().message_id == "ok-1"
    assert refused_count() == 2  # repeats of a handled signal are not refusals
