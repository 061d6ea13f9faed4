"""Issue 9, item 9: a reassignment is atomic. The workflow is told after the
commit, through an outbox row of the same transaction: when the commit
fails nothing changes anywhere, and when Temporal is unreachable the change
reaches the workflow once it is back."""
import pytest
from django.db import connection
from django.db.backends.signals import connection_created
from rest_framework.test import APIClient

from cycles import roles
from cycles import workflow_types as t
from scoping import workflow_steps as s
from reviews import workflow_messages
from reviews.models import AuditEvent, HumanTask, Notification, Reassignment, WorkflowMessage

from . import helpers
from .factories import UserFactory, scoped_report

pytestmark = pytest.mark.temporal

# The row is written with a dangling foreign key: Django declares foreign
# keys deferred on both databases, so the failure comes at COMMIT, after
# everything in the transaction (the old code's signal included) has run.
PG_BREAK_COMMIT = """
CREATE OR REPLACE FUNCTION test_break_commit() RETURNS trigger AS $$
BEGIN NEW.to_user_id := -1; RETURN NEW; END $$ LANGUAGE plpgsql;
CREATE TRIGGER test_break_commit BEFORE INSERT ON reviews_reassignment
  FOR EACH ROW EXECUTE FUNCTION test_break_commit();
"""
PG_CLEAN = """
DROP TRIGGER IF EXISTS test_break_commit ON reviews_reassignment;
DROP FUNCTION IF EXISTS test_break_commit();
"""
SQLITE_BREAK_COMMIT = (
    "CREATE TRIGGER test_break_commit AFTER INSERT ON reviews_reassignment "
    "BEGIN UPDATE reviews_reassignment SET to_user_id = -1 WHERE id = NEW.id; END"
)


@pytest.fixture
def commit_fails():
    with connection.cursor() as c:
        c.execute(PG_BREAK_COMMIT if connection.vendor == "postgresql" else SQLITE_BREAK_COMMIT)
    try:
        yield
    finally:
        with connection.cursor() as c:
            c.execute(PG_CLEAN if connection.vendor == "postgresql" else "DROP TRIGGER IF EXISTS test_break_commit")


@pytest.fixture
def awaiting(temporal):
    cr = scoped_report(attributes=3)
    api = APIClient()
    api.force_login(cr.tester)
    assert helpers.start(api, cr).status_code == 201
    task = helpers.wait_for_task(cr, s.TESTER_REVIEW)
    helpers.wait_for_awaiting(temporal, cr, s.TESTER_REVIEW)
    return cr, task


def manager_api(cr) -> APIClient:
    api = APIClient()
    api.force_login(cr.cycle.test_manager)
    return api


def test_a_failed_commit_changes_nothing_and_tells_the_workflow_nothing(awaiting, temporal, commit_fails):
    cr, task = awaiting
    UserFactory(username="tester-b", role=roles.TESTER)
    answer = manager_api(cr).post(f"/api/tasks/{task.pk}/reassign", {"to": "tester-b", "reason": "leave"}, format="json")
    assert answer.status_code == 503 and "nothing was changed" in answer.json()["detail"], answer.content
    assert HumanTask.objects.get(pk=task.pk).assignee == cr.tester
    assert not Reassignment.objects.exists() and not WorkflowMessage.objects.exists()
    assert not AuditEvent.objects.filter(event="reassigned").exists()
    assert not Notification.objects.filter(event="reassigned").exists()
    # The workflow still names the tester: nothing was signalled.
    assert helpers.query(temporal, cr, "get_awaiting_action")["assignee"] == cr.tester.username
    # Its review is still accepted.
    from .test_api import api as api_client, decisions, url

    assert api_client(cr.tester).post(url(cr, "tester-review"), decisions(cr), format="json").status_code == 200
    helpers.wait_for_awaiting(temporal, cr, s.REPORT_OWNER_APPROVAL)


def test_with_temporal_unreachable_the_reassignment_waits_in_the_outbox(awaiting, temporal, settings):
    cr, task = awaiting
    tester_b = UserFactory(username="tester-b", role=roles.TESTER)
    from cycles import temporal_client

    real_address = settings.TEMPORAL_ADDRESS
    from .process_harness import free_port

    settings.TEMPORAL_ADDRESS = f"127.0.0.1:{free_port()}"
    settings.TEMPORAL_RPC_TIMEOUT = 3
    temporal_client.reset()
    try:
        answer = manager_api(cr).post(f"/api/tasks/{task.pk}/reassign", {"to": "tester-b", "reason": "leave"}, format="json")
        assert answer.status_code == 200 and answer.json()["assignee"] == "tester-b", answer.content
        message = WorkflowMessage.objects.get()
        assert message.delivered_at is None and message.last_error
    finally:
        settings.TEMPORAL_ADDRESS = real_address
        temporal_client.reset()
    assert helpers.query(temporal, cr, "get_awaiting_action")["assignee"] == cr.tester.username
    # Temporal is back: the new assignee's submission carries the pending
    # reassignment with it, and is accepted.
    from .test_api import api as api_client, decisions, url

    answer = api_client(tester_b).post(url(cr, "tester-review"), decisions(cr), format="json")
    assert answer.status_code == 200, answer.content
    message.refresh_from_db()
    assert message.delivered_at is not None and message.attempts >= 2


def test_two_reassignments_reach_the_workflow_in_order(awaiting, temporal, settings):
    cr, task = awaiting
    UserFactory(username="tester-b", role=roles.TESTER)
    UserFactory(username="tester-c", role=roles.TESTER)
    from cycles import temporal_client

    from .process_harness import free_port

    real_address = settings.TEMPORAL_ADDRESS
    settings.TEMPORAL_ADDRESS = f"127.0.0.1:{free_port()}"
    settings.TEMPORAL_RPC_TIMEOUT = 3
    temporal_client.reset()
    try:
        for who in ("tester-b", "tester-c"):
            assert manager_api(cr).post(f"/api/tasks/{task.pk}/reassign", {"to": who, "reason": "x"}, format="json").status_code == 200
    finally:
        settings.TEMPORAL_ADDRESS = real_address
        temporal_client.reset()
    assert WorkflowMessage.objects.filter(delivered_at__isnull=True).count() == 2
    assert workflow_messages.deliver_all_pending() == 1
    assert not WorkflowMessage.objects.filter(delivered_at__isnull=True).exists()
    assert helpers.query(temporal, cr, "get_awaiting_action")["assignee"] == "tester-c"
