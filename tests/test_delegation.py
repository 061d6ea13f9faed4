"""Standing delegations: between its dates the delegate sees the delegator's
tasks and acts for them (recorded as such); outside them, nothing."""
from datetime import timedelta

import pytest
from django.utils import timezone

from cycles import roles
from reviews.models import AuditEvent, Delegation, HumanTask
from scoping.models import Recommendation, ScopingSubmission

from .clients import browser, session_api as api
from . import helpers
from .factories import UserFactory, scoped_report

pytestmark = pytest.mark.temporal




def as_recommended(cr) -> dict:
    return {
        "decisions": [
            {"attribute_id": r.attribute_id, "include": r.include, "rationale": ""}
            for r in Recommendation.objects.filter(cycle_report=cr)
        ]
    }


def split(moment) -> dict:
    local = timezone.localtime(moment)
    return {"0": local.strftime("%Y-%m-%d"), "1": local.strftime("%H:%M:%S")}


def admin_delegation(manager, delegator, delegate, starts, ends, reason="Annual leave"):
    """Created the way a manager does it: the Delegation admin's add form."""
    s, e = split(starts), split(ends)
    return browser(manager).post(
        "/admin/reviews/delegation/add/",
        {"delegator": delegator.pk, "delegate": delegate.pk, "starts_at_0": s["0"], "starts_at_1": s["1"],
         "ends_at_0": e["0"], "ends_at_1": e["1"], "reason": reason},
    )


def test_active_delegate_acts_for_the_delegator_and_others_cannot(temporal):
    cr = scoped_report(attributes=3)
    tester, manager = cr.tester, cr.cycle.test_manager
    manager.is_staff = True
    manager.save()
    stand_in, former, future = (UserFactory(role=roles.TESTER) for _ in range(3))
    now = timezone.now()
    assert admin_delegation(manager, tester, stand_in, now - timedelta(hours=1), now + timedelta(days=5)).status_code == 302
    assert admin_delegation(manager, tester, former, now - timedelta(days=9), now - timedelta(days=2)).status_code == 302
    assert admin_delegation(manager, tester, future, now + timedelta(days=2), now + timedelta(days=9)).status_code == 302
    assert Delegation.objects.filter(created_by=manager).count() == 3
    # The admin refuses a delegation to oneself or one that ends before it starts.
    bad = admin_delegation(manager, tester, tester, now, now - timedelta(days=1))
    assert bad.status_code == 200 and Delegation.objects.count() == 3

    assert helpers.start(api(tester), cr).status_code == 201
    task = helpers.wait_for_task(cr, "tester_review")
    helpers.wait_for_awaiting(temporal, cr, "tester_review")
    form = f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/review/"
    submit = f"/api/cycles/{cr.cycle_id}/reports/{cr.report_id}/tester-review"

    # Outside their dates, former and future delegates see nothing and are refused.
    for outsider in (former, future):
        assert [t["id"] for t in api(outsider).get("/api/tasks/").json()] == []
        assert cr.report.name not in browser(outsider).get("/tasks/").content.decode()
        assert api(outsider).post(submit, as_recommended(cr), format="json").status_code == 403
        assert browser(outsider).get(form).status_code in (403, 404)

    # The active delegate sees the task in "my tasks", HTML and API.
    listed = api(stand_in).get("/api/tasks/").json()
    assert [(t["id"], t["assignee"]) for t in listed] == [(task.pk, tester.username)]
    inbox = browser(stand_in).get("/tasks/").content.decode()
    assert cr.report.name in inbox and "delegated" in inbox
    page = browser(stand_in).get(form)
    assert page.status_code == 200

    answer = api(stand_in).post(submit, as_recommended(cr), format="json")
    assert answer.status_code == 200, answer.content
    saved = ScopingSubmission.objects.get(cycle_report=cr)
    assert (saved.submitted_by, saved.on_behalf_of) == (stand_in, tester)
    task.refresh_from_db()
    assert (task.state, task.completed_by, task.on_behalf_of) == (HumanTask.State.COMPLETED, stand_in, tester)
    accepted = AuditEvent.objects.get(cycle_report=cr, event="submission_accepted")
    assert (accepted.actor, accepted.on_behalf_of) == (stand_in, tester)


def test_delegation_ends_while_the_task_is_open(temporal):
    cr = scoped_report(attributes=2)
    stand_in = UserFactory(role=roles.TESTER)
    now = timezone.now()
    delegation = Delegation.objects.create(
        delegator=cr.tester, delegate=stand_in, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1),
        reason="Leave", created_by=cr.cycle.test_manager,
    )
    assert helpers.start(api(cr.tester), cr).status_code == 201
    task = helpers.wait_for_task(cr, "tester_review")
    helpers.wait_for_awaiting(temporal, cr, "tester_review")
    assert [t["id"] for t in api(stand_in).get("/api/tasks/").json()] == [task.pk]

    Delegation.objects.filter(pk=delegation.pk).update(ends_at=timezone.now())
    assert api(stand_in).get("/api/tasks/").json() == []
    submit = f"/api/cycles/{cr.cycle_id}/reports/{cr.report_id}/tester-review"
    assert api(stand_in).post(submit, as_recommended(cr), format="json").status_code == 403
    assert not ScopingSubmission.objects.exists()
    # The assignee themself still can.
    assert api(cr.tester).post(submit, as_recommended(cr), format="json").status_code == 200


@pytest.mark.django_db
def test_a_delegate_without_the_tasks_role_cannot_act_and_the_admin_refuses_such_a_delegation():
    from datetime import timedelta

    from django.core.exceptions import ValidationError
    from django.utils import timezone

    from cycles import roles
    from reviews.human_tasks import acting_for
    from reviews.models import Delegation, HumanTask

    from .factories import UserFactory, scoped_report

    cr = scoped_report(attributes=1)
    owner_standing_in = UserFactory(role=roles.REPORT_OWNER)
    now = timezone.now()
    delegation = Delegation(
        delegator=cr.tester, delegate=owner_standing_in, starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=1), reason="leave", created_by=cr.cycle.test_manager,
    )
    with pytest.raises(ValidationError):
        delegation.full_clean()
    delegation.save()  # even if it were stored, it would grant nothing
    task = HumanTask.objects.create(
        kind="tester_review", cycle_report=cr, assignee=cr.tester, original_assignee=cr.tester,
        opened_at=now, due_at=now + timedelta(days=1), workflow_id=cr.expected_workflow_id,
    )
    assert acting_for(owner_standing_in, task) is None
    from django.contrib.auth.models import Group

    owner_standing_in.groups.add(Group.objects.get_or_create(name=roles.TESTER)[0])
    assert acting_for(owner_standing_in, task) == cr.tester
