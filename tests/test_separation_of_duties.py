"""Separation of duties: whoever submitted a review cannot approve it, even
when they also hold the report-owner role and act for the report owner."""
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from cycles import roles
from cycles import workflow_types as t
from cycles.human_steps import ApprovalSubmission
from scoping import workflow_steps as s
from reviews import submissions
from reviews.models import AuditEvent, Delegation
from scoping.models import OwnerDecision

from .clients import browser as login
from . import helpers, rows
from .factories import UserFactory, scoped_report



def group(name):
    return Group.objects.get_or_create(name=name)[0]


def delegate(delegator, to, by):
    now = timezone.now()
    return Delegation.objects.create(
        delegator=delegator, delegate=to, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=7),
        reason="leave", created_by=by,
    )


@pytest.mark.temporal
def test_reviewer_holding_the_owner_role_cannot_approve_by_form_api_or_service(temporal):
    both = UserFactory(username="sod-both", role=roles.TESTER)
    both.groups.add(group(roles.REPORT_OWNER))
    assert roles.has_role(both, roles.TESTER) and roles.has_role(both, roles.REPORT_OWNER)
    cr = scoped_report(attributes=4, tester=both)
    owner = cr.report_owner
    # The owner is on leave and their tasks go to `both`: without separation
    # of duties `both` could now approve their own review.
    delegate(owner, both, by=cr.cycle.test_manager)
    reviewer = login(both)

    assert helpers.start(reviewer, cr).status_code == 201
    helpers.wait_for_task(cr, s.TESTER_REVIEW)
    helpers.wait_for_awaiting(temporal, cr, s.TESTER_REVIEW)
    review = reviewer.post(f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/review/", {"submission_token": "r1", "accept_all": "1"})
    assert review.status_code == 302
    task = helpers.wait_for_task(cr, s.REPORT_OWNER_APPROVAL)
    helpers.wait_for_awaiting(temporal, cr, s.REPORT_OWNER_APPROVAL)
    assert task.assignee == owner

    url = f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/approval/"
    page = reviewer.get(url)
    assert page.status_code == 403 and b"You submitted this review" in page.content
    form = reviewer.post(url, {"submission_token": "a1", "decision": "approve", "comments": ""})
    assert form.status_code == 403
    api = reviewer.post(
        f"/api/cycles/{cr.cycle_id}/reports/{cr.report_id}/report-owner-approval",
        {"approved": True, "comments": ""},
        content_type="application/json",
    )
    assert api.status_code == 403 and "submitted this review" in api.json()["detail"]
    # Authorization comes before validation: an invalid body is refused the same way.
    api = reviewer.post(
        f"/api/cycles/{cr.cycle_id}/reports/{cr.report_id}/report-owner-approval", {}, content_type="application/json"
    )
    assert api.status_code == 403

    # Past the views, the submit service refuses it too (and the workflow's
    # own validator: test_the_workflow_refuses_it_even_when_every_django_check_is_bypassed).
    answer = submissions.submit(cr, s.REPORT_OWNER_APPROVAL, both, {"approved": True, "comments": ""}, "direct")
    assert answer.status == 403, answer.body
    assert "someone else must approve it" in answer.body["detail"]
    assert not OwnerDecision.objects.exists()
    refused = AuditEvent.objects.filter(cycle_report=cr, event=AuditEvent.Event.SUBMISSION_REFUSED)
    assert refused.filter(actor=both, detail__contains="someone else must approve it").exists()
    assert helpers.query(temporal, cr)["awaiting_action"] == s.REPORT_OWNER_APPROVAL

    # The owner themself still can.
    ok = login(owner).post(url, {"submission_token": "a2", "decision": "approve", "comments": ""})
    assert ok.status_code == 302
    assert helpers.scoping_outcome(temporal, cr)["approved_version"] == 1
    assert OwnerDecision.objects.get().decided_by == owner


@pytest.mark.django_db
def test_no_one_approves_on_behalf_of_the_reviewer():
    """If the approval ever sits with the person who reviewed (a reassigned
    round), their delegate cannot approve for them either: the view refuses
    what the workflow would refuse, before the form is filled in."""
    cr = scoped_report(attributes=3)
    reviewer = UserFactory(username="sod-reviewer", role=roles.REPORT_OWNER)
    reviewer.groups.add(group(roles.TESTER))
    stand_in = UserFactory(username="sod-stand-in", role=roles.REPORT_OWNER)
    delegate(reviewer, stand_in, by=cr.cycle.test_manager)
    rows.recommendations(cr)
    rows.submission(cr, submitted_by=reviewer, on_behalf_of=cr.tester)
    rows.task(cr, s.REPORT_OWNER_APPROVAL, assignee=reviewer)

    client = Client()
    client.force_login(stand_in)
    page = client.get(f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/approval/")
    assert page.status_code == 403 and b"You act for sod-reviewer, who submitted this review" in page.content
    api = client.post(
        f"/api/cycles/{cr.cycle_id}/reports/{cr.report_id}/report-owner-approval",
        {"approved": True, "comments": ""},
        content_type="application/json",
    )
    assert api.status_code == 403 and "submitted this review" in api.json()["detail"]


# --- The reviewer of record is also the person a review was done for -------
# (issue 9, item 1). X holds both roles and is the report's tester; X's
# delegate D submits the review for X. Then neither X nor D may approve it,
# by any path.


@pytest.fixture
def reviewed_for_x(temporal):
    x = UserFactory(username="sod-x", role=roles.TESTER)
    x.groups.add(group(roles.REPORT_OWNER))
    d = UserFactory(username="sod-d", role=roles.TESTER)
    d.groups.add(group(roles.REPORT_OWNER))
    cr = scoped_report(attributes=4, tester=x)
    owner = cr.report_owner
    manager = cr.cycle.test_manager
    delegate(x, d, by=manager)
    assert helpers.start(login(x), cr).status_code == 201
    helpers.wait_for_task(cr, s.TESTER_REVIEW)
    helpers.wait_for_awaiting(temporal, cr, s.TESTER_REVIEW)
    review = login(d).post(
        f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/review/", {"submission_token": "by-d", "accept_all": "1"}
    )
    assert review.status_code == 302
    helpers.wait_for_task(cr, s.REPORT_OWNER_APPROVAL)
    helpers.wait_for_awaiting(temporal, cr, s.REPORT_OWNER_APPROVAL)
    from scoping.queries import current_submission

    reviewed = current_submission(cr)
    assert (reviewed.submitted_by, reviewed.on_behalf_of) == (d, x)
    return cr, x, d, owner, manager


APPROVAL_API = "/api/cycles/{c}/reports/{r}/report-owner-approval"


def _approval_paths(cr, user):
    """Form, API and the service, each answered 403 for `user`."""
    page = f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/approval/"
    client = login(user)
    got = client.get(page)
    assert got.status_code == 403 and b"submitted" in got.content, got.content[:300]
    posted = client.post(page, {"submission_token": f"form-{user.username}", "decision": "approve", "comments": ""})
    assert posted.status_code == 403
    api = client.post(
        APPROVAL_API.format(c=cr.cycle_id, r=cr.report_id), {"approved": True, "comments": ""},
        content_type="application/json",
    )
    assert api.status_code == 403 and "submitted" in api.json()["detail"], api.content
    answer = submissions.submit(cr, s.REPORT_OWNER_APPROVAL, user, {"approved": True, "comments": ""}, f"svc-{user.username}")
    assert answer.status == 403, answer.body


@pytest.mark.temporal
def test_the_person_a_review_was_done_for_cannot_approve_it_as_the_owners_delegate(reviewed_for_x, temporal):
    cr, x, d, owner, manager = reviewed_for_x
    # The owner goes on leave and hands their tasks to X, then to D.
    delegate(owner, x, by=manager)
    _approval_paths(cr, x)
    Delegation.objects.filter(delegator=owner).delete()
    delegate(owner, d, by=manager)
    _approval_paths(cr, d)
    assert not OwnerDecision.objects.exists()
    assert AuditEvent.objects.filter(cycle_report=cr, event=AuditEvent.Event.SUBMISSION_REFUSED, actor=x).exists()
    assert helpers.query(temporal, cr)["awaiting_action"] == s.REPORT_OWNER_APPROVAL
    # The owner still approves.
    ok = login(owner).post(
        f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/approval/",
        {"submission_token": "owner-ok", "decision": "approve", "comments": ""},
    )
    assert ok.status_code == 302
    assert helpers.scoping_outcome(temporal, cr)["approved_version"] == 1


@pytest.mark.temporal
@pytest.mark.parametrize("who", ["x", "d"])
def test_reassigning_the_approval_to_the_reviewer_of_record_is_refused_by_api_and_admin(reviewed_for_x, who):
    cr, x, d, owner, manager = reviewed_for_x
    target = {"x": x, "d": d}[who]
    task = helpers.wait_for_task(cr, s.REPORT_OWNER_APPROVAL)
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_login(manager)
    answer = api.post(f"/api/tasks/{task.pk}/reassign", {"to": target.username, "reason": "owner away"}, format="json")
    assert answer.status_code == 400 and "separation of duties" in answer.json()["detail"], answer.content
    manager.is_staff = True
    manager.save()
    admin = login(manager)
    changelist = "/admin/reviews/humantask/"
    done = admin.post(changelist, {"action": "reassign_tasks", "_selected_action": [task.pk], "apply": "1",
                                    "to": target.username, "reason": "owner away"}, follow=True)
    assert "separation of duties" in done.content.decode()
    task.refresh_from_db()
    assert task.assignee == owner


@pytest.mark.temporal
def test_the_workflow_refuses_it_even_when_every_django_check_is_bypassed(reviewed_for_x, temporal):
    """The workflow's own validator: an Update and a signal straight to
    Temporal, as X acting for the owner."""
    from temporalio.client import WorkflowUpdateFailedError

    cr, x, d, owner, manager = reviewed_for_x
    handle = temporal.env.client.get_workflow_handle(cr.expected_workflow_id)
    for submitted_by, on_behalf_of in ((x.username, owner.username), (d.username, owner.username)):
        message = ApprovalSubmission(
            submission_id=f"direct-{submitted_by}", submitted_by=submitted_by, on_behalf_of=on_behalf_of, approved=True
        )
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            temporal.run(handle.execute_update("submit_report_owner_approval", message, result_type=dict))
        assert refused.value.cause.type == t.ERR_SEPARATION_OF_DUTIES
        assert submitted_by in refused.value.cause.message
    temporal.run(handle.signal("report_owner_approval_signal", ApprovalSubmission(
        submission_id="sig-x", submitted_by=x.username, on_behalf_of=owner.username, approved=True)))
    helpers.wait_until(
        lambda: AuditEvent.objects.filter(cycle_report=cr, detail__contains="signal refused").filter(detail__contains="cannot approve").exists(),
        message="the refused signal recorded",
    )
    assert helpers.query(temporal, cr)["awaiting_action"] == s.REPORT_OWNER_APPROVAL
    assert not OwnerDecision.objects.exists()


@pytest.mark.django_db
def test_the_database_refuses_an_approval_by_the_reviewer_of_record():
    from django.db import IntegrityError, transaction

    from scoping import services

    cr = scoped_report(attributes=3)
    d = UserFactory(username="sod-db-d", role=roles.TESTER)
    rows.recommendations(cr)
    review = rows.submission(cr, submitted_by=d, on_behalf_of=cr.tester)
    # The service refuses it first ...
    task = rows.task(cr, s.REPORT_OWNER_APPROVAL, assignee=cr.report_owner)
    message = ApprovalSubmission(submission_id="m1", submitted_by=cr.tester.username, on_behalf_of=cr.report_owner.username, approved=True)
    from reviews.applying import Refused, Submitted

    with pytest.raises(Refused):
        services.record_owner_decision(Submitted(cr, task, cr.tester, cr.report_owner, message, cr.expected_workflow_id, "run"))
    # ... and a row written past it is refused by the database itself.
    for decided_by, on_behalf_of in ((cr.tester, cr.report_owner), (d, cr.report_owner), (cr.report_owner, cr.tester)):
        with pytest.raises(IntegrityError), transaction.atomic():
            OwnerDecision.objects.create(
                submission=review, cycle_report=cr, version=1, message_id=f"x-{decided_by.pk}-{on_behalf_of.pk}",
                outcome="approved", decided_by=decided_by, on_behalf_of=on_behalf_of, decided_at=timezone.now(),
                submitter_of_record=review.submitted_by, submitted_for=review.on_behalf_of,
            )
    assert not OwnerDecision.objects.exists()
