"""Issue 5, part 4: crashes. A worker process SIGKILLed between review and
approval, a Temporal dev server restarted with workflows waiting for people,
an activity whose database write fails; and `run_worker` stopping cleanly on
SIGTERM. Real processes, real server, real database."""
import signal
import uuid

import pytest
from django.db import connection

from cycles.models import CycleReport
from reviews.models import AuditEvent, HumanTask, InboundSubmission
from reviews.delivery import redeliver
from scoping import workflow_steps as s
from scoping.models import OwnerDecision, ScopingDecision, ScopingSubmission

from . import helpers
from . import workflow_histories as wh
from .factories import scoped_report
from .process_harness import WorkerProcess, separate_temporal  # noqa: F401  (fixture)
from .temporal_harness import wait_until
from .test_temporal_outage import accepted_events, api, as_recommended, login, started_and_awaiting_review

pytestmark = pytest.mark.temporal


def events(cr, event) -> int:
    return AuditEvent.objects.filter(cycle_report=cr, event=event).count()


def assert_one_of_everything(cr, attributes: int) -> None:
    """No lost and no doubled decision."""
    assert ScopingSubmission.objects.filter(cycle_report=cr).count() == 1
    assert ScopingDecision.objects.filter(submission__cycle_report=cr).count() == attributes
    assert OwnerDecision.objects.filter(cycle_report=cr).count() == 1
    scoping_tasks = HumanTask.objects.filter(cycle_report=cr, kind__in=(s.TESTER_REVIEW, s.REPORT_OWNER_APPROVAL))
    assert scoping_tasks.count() == 2
    assert not scoping_tasks.exclude(state="completed").exists()
    for event in ("submission_accepted", "approved", "phase_completed", "recommendations_generated"):
        assert events(cr, event) == 1, event
    # Scoping once; then Sample Selection starts and opens its first task.
    assert events(cr, "phase_started") == 2
    assert events(cr, "task_opened") == 3
    cr.refresh_from_db()
    assert helpers.phase_status(cr, "Scoping") == "completed"


@pytest.fixture
def own_task_queue(temporal, settings):
    """A task queue only the test's worker process serves (the session's
    in-process worker polls another one)."""
    settings.TEMPORAL_TASK_QUEUE = f"crash-{uuid.uuid4().hex[:8]}"
    return settings.TEMPORAL_TASK_QUEUE


def worker_process(temporal, task_queue) -> WorkerProcess:
    return WorkerProcess(temporal.env.client.service_client.config.target_host, task_queue, temporal.env.client.namespace)


def test_worker_process_killed_between_review_and_approval(temporal, own_task_queue, settings):
    settings.TEMPORAL_RPC_TIMEOUT = 3.0
    cr = scoped_report(attributes=5)
    tester, owner = login(cr.tester), login(cr.report_owner)
    first = worker_process(temporal, own_task_queue)
    second = worker_process(temporal, own_task_queue)
    try:
        first.start()
        started_and_awaiting_review(temporal, cr, tester)
        review = tester.post(api(cr, "tester-review"), as_recommended(cr), content_type="application/json")
        assert review.status_code == 200, review.content
        helpers.wait_for_task(cr, "report_owner_approval")
        helpers.wait_for_awaiting(temporal, cr, "report_owner_approval")

        first.kill()  # SIGKILL: no shutdown, no goodbye to the server
        assert first.proc.returncode == -signal.SIGKILL

        # With no worker alive the owner decides: the server takes the
        # update but nobody can apply it; the decision is stored, not lost.
        answer = owner.post(
            api(cr, "report-owner-approval"), {"approved": True, "comments": ""},
            content_type="application/json", headers={"Idempotency-Key": "approve-1"},
        )
        assert answer.status_code == 202 and answer.json()["pending_delivery"] is True
        assert not OwnerDecision.objects.exists()

        second.start()
        # The new worker replays the history (nothing re-run) and applies the
        # update the server held; the redelivery fetches its answer.
        inbound = InboundSubmission.objects.get(kind="report_owner_approval")
        wait_until(
            lambda: redeliver(str(inbound.pk)) == "accepted", timeout=90, interval=0.5, message="the approval to apply"
        )
        outcome = helpers.scoping_outcome(temporal, cr)
        assert (outcome["versions"], outcome["approved_version"]) == (1, 1)
        assert_one_of_everything(cr, 5)
        assert OwnerDecision.objects.get().message_id == str(inbound.pk)
        again = owner.post(
            api(cr, "report-owner-approval"), {"approved": True, "comments": ""},
            content_type="application/json", headers={"Idempotency-Key": "approve-1"},
        )
        assert again.status_code == 200 and again.json()["version"] == 1
    finally:
        first.close()
        second.close()


def test_run_worker_stops_cleanly_on_sigterm(temporal, own_task_queue):
    worker = worker_process(temporal, own_task_queue)
    try:
        worker.start()
        worker.signal(signal.SIGTERM)
        assert worker.wait(60) == 0, worker.output()
        out = worker.output()
        assert "Shutting down" in out and out.rstrip().endswith("Worker stopped"), out
    finally:
        worker.close()


def test_dev_server_restart_with_workflows_waiting_for_people(separate_temporal, settings):
    sep = separate_temporal
    reports = [scoped_report(attributes=3) for _ in range(2)]
    for cr in reports:
        started_and_awaiting_review(sep, cr, login(cr.tester))
    runs = {cr.pk: CycleReport.objects.get(pk=cr.pk).workflow_run_id for cr in reports}

    # One is in the middle of its approval, the other still awaits the tester.
    a, b = reports
    assert login(a.tester).post(api(a, "tester-review"), as_recommended(a), content_type="application/json").status_code == 200
    helpers.wait_for_awaiting(sep, a, "report_owner_approval")

    sep.server.restart()  # SIGKILL, then the same port and --db-filename
    assert sep.worker_alive()

    # Both carry on in the same runs, as the people act after the restart.
    helpers.wait_for_awaiting(sep, a, "report_owner_approval", timeout=60)
    helpers.wait_for_awaiting(sep, b, "tester_review", timeout=60)
    ok = login(a.report_owner).post(
        api(a, "report-owner-approval"), {"approved": True, "comments": ""}, content_type="application/json"
    )
    assert ok.status_code == 200, ok.content
    review = login(b.tester).post(api(b, "tester-review"), as_recommended(b), content_type="application/json")
    assert review.status_code == 200, review.content
    helpers.wait_for_awaiting(sep, b, "report_owner_approval")
    ok = login(b.report_owner).post(
        api(b, "report-owner-approval"), {"approved": True, "comments": ""}, content_type="application/json"
    )
    assert ok.status_code == 200, ok.content
    for cr in reports:
        assert helpers.scoping_outcome(sep, cr)["approved_version"] == 1
        assert CycleReport.objects.get(pk=cr.pk).workflow_run_id == runs[cr.pk]
        assert_one_of_everything(cr, 3)


# --- a database write that fails, for real, once -----------------------------

PG_FAIL_ONCE = """
CREATE SEQUENCE IF NOT EXISTS test_fail_once_seq;
CREATE OR REPLACE FUNCTION test_fail_once() RETURNS trigger AS $$
BEGIN
  -- A sequence is not rolled back with the failed transaction: one failure.
  IF nextval('test_fail_once_seq') = 1 THEN
    RAISE EXCEPTION 'injected failure: the database refused this write';
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER test_fail_once AFTER INSERT ON scoping_scopingdecision
  FOR EACH STATEMENT EXECUTE FUNCTION test_fail_once();
"""
PG_CLEAN = """
DROP TRIGGER IF EXISTS test_fail_once ON scoping_scopingdecision;
DROP FUNCTION IF EXISTS test_fail_once();
DROP SEQUENCE IF EXISTS test_fail_once_seq;
"""


class _SqliteFailOnce:
    """SQLite has no state outside a transaction, so the one-shot counter
    lives in a Python function registered on every connection (the worker's
    activity threads open their own) and called by the trigger."""

    def __init__(self):
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return 1 if self.calls == 1 else 0

    def register(self, sender=None, connection=None, **kwargs):
        if connection.vendor == "sqlite":
            connection.connection.create_function("test_fail_once", 0, self)


@pytest.fixture
def decision_insert_fails_once():
    from django.db.backends.signals import connection_created

    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute(PG_FAIL_ONCE)
        try:
            yield
        finally:
            with connection.cursor() as c:
                c.execute(PG_CLEAN)
        return
    if connection.vendor != "sqlite":
        pytest.skip(f"no failure injection for {connection.vendor}")
    hook = _SqliteFailOnce()
    connection.ensure_connection()
    hook.register(connection=connection)
    connection_created.connect(hook.register)
    with connection.cursor() as c:
        c.execute(
            "CREATE TRIGGER test_fail_once AFTER INSERT ON scoping_scopingdecision WHEN test_fail_once() = 1 "
            "BEGIN SELECT RAISE(ABORT, 'injected failure: the database refused this write'); END"
        )
    try:
        yield
    finally:
        with connection.cursor() as c:
            c.execute("DROP TRIGGER IF EXISTS test_fail_once")
        connection_created.disconnect(hook.register)


def test_activity_whose_database_write_fails_is_retried_without_duplicates(temporal, decision_insert_fails_once, caplog):
    cr = scoped_report(attributes=6)
    tester = login(cr.tester)
    started_and_awaiting_review(temporal, cr, tester)

    # The first attempt inserts the submission, then the decisions fail:
    # everything of that attempt rolls back; Temporal retries the activity.
    review = tester.post(api(cr, "tester-review"), as_recommended(cr), content_type="application/json")
    assert review.status_code == 200, review.content
    assert review.json()["version"] == 1
    assert ScopingSubmission.objects.filter(cycle_report=cr).count() == 1
    assert ScopingDecision.objects.filter(submission__cycle_report=cr).count() == 6
    assert accepted_events(cr) == 1
    assert HumanTask.objects.get(cycle_report=cr, kind="tester_review").state == "completed"

    # It really failed once: the history has a second attempt of the activity
    # that carried the submission, and the failure it retried after.
    # (It runs as a local activity: the marker records the attempt that
    # succeeded; the failure before it is in the worker's log.)
    history = temporal.run(temporal.env.client.get_workflow_handle(cr.expected_workflow_id).fetch_history())
    retried = [c for c in wh.activity_calls(history) if (c["attempt"] or 1) > 1]
    assert [c["type"] for c in retried] == ["apply_tester_review_activity"], retried
    assert retried[0]["attempt"] == 2
    assert "injected failure" in caplog.text

    helpers.wait_for_awaiting(temporal, cr, "report_owner_approval")
    ok = login(cr.report_owner).post(
        api(cr, "report-owner-approval"), {"approved": True, "comments": ""}, content_type="application/json"
    )
    assert ok.status_code == 200
    assert helpers.scoping_outcome(temporal, cr)["approved_version"] == 1
    assert_one_of_everything(cr, 6)
