"""Separation of duties: whoever submitted a review cannot approve it, even
when they also hold the report-owner role and act for the report owner."""
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from cycles import roles
from cycles import workflow_types as t
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
    helpers.wait_for_task(cr, t.TESTER_REVIEW)
    helpers.wait_for_awaiting(temporal, cr, t.TESTER_REVIEW)
    review = reviewer.post(f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/review/", {"submission_token": "r1", "accept_all": "1"})
    assert review.status_code == 302
    task = helpers.wait_for_task(cr, t.REPORT_OWNER_APPROVAL)
    helpers.wait_for_awaiting(temporal, cr, t.REPORT_OWNER_APPROVAL)
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

    # Past the views, the workflow's own validator refuses it too.
    answer = submissions.submit(cr, t.REPORT_OWNER_APPROVAL, both, {"approved": True, "comments": ""}, "direct")
    assert answer.status == 403, answer.body
    assert "cannot approve" in answer.body["detail"]
    assert not OwnerDecision.objects.exists()
    refused = AuditEvent.objects.filter(cycle_report=cr, event=AuditEvent.Event.SUBMISSION_REFUSED)
    assert refused.filter(actor=both, detail__contains="cannot approve").exists()
    assert helpers.query(temporal, cr)["awaiting_action"] == t.REPORT_OWNER_APPROVAL

    # The owner themself still can.
    ok = login(owner).post(url, {"submission_token": "a2", "decision": "approve", "comments": ""})
    assert ok.status_code == 302
    assert helpers.result(temporal, cr)["approved_version"] == 1
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
    rows.task(cr, t.REPORT_OWNER_APPROVAL, assignee=reviewer)

    client = Client()
    client.force_login(stand_in)
    page = client.get(f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/approval/")
    assert page.status_code == 403 and b"You submitted this review" in page.content
    api = client.post(
        f"/api/cycles/{cr.cycle_id}/reports/{cr.report_id}/report-owner-approval",
        {"approved": True, "comments": ""},
        content_type="application/json",
    )
    assert api.status_code == 403 and "submitted this review" in api.json()["detail"]
