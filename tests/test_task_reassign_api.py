"""POST /api/tasks/{id}/reassign: the fixed contract, every answer, with a
real workflow that must learn the new assignee."""
import pytest
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient

from cycles import roles
from reviews.models import AuditEvent, HumanTask, Reassignment

from . import helpers
from .factories import UserFactory, scoped_report

pytestmark = pytest.mark.temporal


def api(user) -> APIClient:
    c = APIClient()
    c.force_login(user)
    return c


def reassign_url(task_id) -> str:
    return f"/api/tasks/{task_id}/reassign"


@pytest.fixture
def awaiting(temporal):
    cr = scoped_report(attributes=3)
    assert helpers.start(api(cr.tester), cr).status_code == 201
    task = helpers.wait_for_task(cr, "tester_review")
    helpers.wait_for_awaiting(temporal, cr, "tester_review")
    return cr, task


def test_manager_reassigns_and_the_workflow_follows(awaiting, temporal):
    cr, task = awaiting
    manager = cr.cycle.test_manager
    tester2 = UserFactory(username="tester2", role=roles.TESTER)
    mail.outbox.clear()

    answer = api(manager).post(reassign_url(task.pk), {"to": "tester2", "reason": "Tess is on leave"}, format="json")

    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert {k: body[k] for k in ("id", "kind", "cycle_id", "report_id", "assignee", "state")} == {
        "id": task.pk, "kind": "tester_review", "cycle_id": cr.cycle_id, "report_id": cr.report_id,
        "assignee": "tester2", "state": "open",
    }
    assert body["due_at"]
    # The same shape as the caller's task list gives the new assignee.
    listed = api(tester2).get("/api/tasks/").json()
    assert [row for row in listed if row["id"] == task.pk] == [body]
    task.refresh_from_db()
    assert (task.assignee, task.original_assignee) == (tester2, cr.tester)
    change = Reassignment.objects.get(task=task)
    assert (change.from_user, change.to_user, change.reassigned_by, change.reason) == (
        cr.tester, tester2, manager, "Tess is on leave"
    )
    event = AuditEvent.objects.get(cycle_report=cr, event="reassigned")
    assert (event.actor, event.on_behalf_of) == (manager, tester2)
    assert "Tess is on leave" in event.detail
    awaited = helpers.wait_until(
        lambda: (a := helpers.query(temporal, cr, "get_awaiting_action")) and a["assignee"] == "tester2" and a,
        message="the workflow to learn the new assignee",
    )
    assert awaited["task_id"] == task.pk
    helpers.wait_until(lambda: any("tester2@bank.example" in m.to for m in mail.outbox), message="the e-mail to tester2")

    # Reassigning back and forth is fine for an admin too.
    admin = UserFactory(role=roles.ADMIN)
    back = api(admin).post(reassign_url(task.pk), {"to": cr.tester.username, "reason": "Back from leave"}, format="json")
    assert back.status_code == 200 and back.json()["assignee"] == cr.tester.username


@pytest.mark.parametrize("role", [None, roles.TESTER, roles.REPORT_OWNER])
def test_others_are_forbidden(awaiting, role):
    cr, task = awaiting
    UserFactory(username="tester2", role=roles.TESTER)
    for user in (UserFactory(role=role), cr.tester, cr.report_owner):
        answer = api(user).post(reassign_url(task.pk), {"to": "tester2", "reason": "mine now"}, format="json")
        assert answer.status_code == 403, answer.content
        assert "test managers and admins" in answer.json()["detail"]
    task.refresh_from_db()
    assert task.assignee == cr.tester and not Reassignment.objects.exists()


def test_unknown_task_is_404(db):
    manager = UserFactory(role=roles.TEST_MANAGER)
    UserFactory(username="tester2", role=roles.TESTER)
    answer = api(manager).post(reassign_url(999999), {"to": "tester2", "reason": "x"}, format="json")
    assert answer.status_code == 404 and answer.json()["detail"] == "No such task."


@pytest.mark.parametrize(
    "body, field, message",
    [
        ({"to": "nobody-by-that-name", "reason": "leave"}, "detail", "No active user named 'nobody-by-that-name'"),
        ({"to": "owner2", "reason": "leave"}, "detail", "does not have the tester role"),
        ({"to": "tester2"}, "reason", "A reason is required"),
        ({"to": "tester2", "reason": "   "}, "reason", "A reason is required"),
        ({"to": "tester2", "reason": "x" * 501}, "detail", "limited to 500 characters"),
        ({"reason": "leave"}, "to", "username of the new assignee is required"),
        ({"to": ["tester2"], "reason": "leave"}, "to", "username of the new assignee is required"),
    ],
)
def test_bad_requests_are_400_and_change_nothing(awaiting, body, field, message):
    cr, task = awaiting
    UserFactory(username="tester2", role=roles.TESTER)
    UserFactory(username="owner2", role=roles.REPORT_OWNER)
    answer = api(cr.cycle.test_manager).post(reassign_url(task.pk), body, format="json")
    assert answer.status_code == 400, answer.content
    detail = answer.json()[field]
    assert message in (detail if isinstance(detail, str) else " ".join(detail))
    task.refresh_from_db()
    assert task.assignee == cr.tester
    assert not Reassignment.objects.exists()
    assert not AuditEvent.objects.filter(event="reassigned").exists()


def test_a_list_body_is_400(db):
    manager = UserFactory(role=roles.TEST_MANAGER)
    answer = api(manager).post(reassign_url(1), [1, 2], format="json")
    assert answer.status_code == 400


def test_task_not_open_is_409(db):
    cr = scoped_report(attributes=1)
    UserFactory(username="tester2", role=roles.TESTER)
    now = timezone.now()
    done = HumanTask.objects.create(
        kind="tester_review", cycle_report=cr, assignee=cr.tester, original_assignee=cr.tester,
        opened_at=now, due_at=now, state="completed", completed_at=now, completed_by=cr.tester,
        workflow_id=cr.expected_workflow_id,
    )
    answer = api(cr.cycle.test_manager).post(reassign_url(done.pk), {"to": "tester2", "reason": "leave"}, format="json")
    assert answer.status_code == 409
    assert "only open tasks can be reassigned" in answer.json()["detail"]
    done.refresh_from_db()
    assert done.assignee == cr.tester and not Reassignment.objects.exists()
