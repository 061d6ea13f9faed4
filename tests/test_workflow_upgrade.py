"""Upgrade while running: a run started by the PREVIOUS release of the
workflow is finished by the CURRENT code, as happens at every deploy while
people are still reviewing.

A worker with a frozen released version (tests/released_workflows/v<N>.py,
registered as the same workflow type, calling the same activities) starts
the report and takes it to a human step; that worker is shut down; a worker
built by cycles.worker.build_worker with the current
cycles.test_cycle_workflow.TestCycleWorkflow takes over on the same task
queue (replaying the history the old code wrote) and the people's
submissions go through the real submission service (reviews.submissions),
with a send-back round, until the phase completes in the database. The
handover happens once while the tester's review is awaited and once while
the owner's approval is awaited, with reminders every second so that a
timer started by the old code fires under the new one.

Every frozen version is tested: each `tests/released_workflows/v*.py` is
picked up. At each release, freeze the released code as a new file (never
edit an old one); how, step by step: tests/released_workflows/__init__.py.
Delete a frozen version only when no run it started can still be open.

The activities are today's (they are not replayed: only the workflow's
command sequence must stay compatible, docs/workflow-changes.md). While the
frozen copy equals the current code this passes trivially; it guards the
next change to the workflow.

These tests use their own task queue so that the session's worker (current
code) cannot pick up the old run's tasks."""
from __future__ import annotations

import importlib
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from temporalio.worker import Worker

from cycles import workflow_types as t
from scoping import workflow_steps as s
from cycles.activity_log import ActivityLogInterceptor
from cycles.models import CycleReport
from cycles.registry import registry
from cycles.worker import DjangoInterceptor, build_worker
from reviews import submissions
from reviews.models import AuditEvent, HumanTask
from scoping.models import OwnerDecision, ScopingSubmission

from . import helpers
from . import released_workflows
from . import workflow_histories as wh
from .temporal_harness import wait_until

RELEASED_DIR = Path(released_workflows.__file__).parent
RELEASED = sorted(
    (importlib.import_module(f"{released_workflows.__name__}.{p.stem}") for p in RELEASED_DIR.glob("v*.py")),
    key=lambda module: int(module.VERSION[1:]),
)
OLD_IDENTITY = "released-workflow-worker"


def _version(tag: str) -> int:
    return int(tag[1:])


def test_there_is_a_frozen_copy_of_the_released_workflow():
    assert RELEASED, f"no frozen released workflow in {RELEASED_DIR}"
    for module in RELEASED:
        assert f"{module.VERSION}.py" == Path(module.__file__).name
        assert module.TestCycleWorkflow.__temporal_workflow_definition.name == t.WORKFLOW_NAME


def _fixtures_up_to(module):
    """The recorded histories a released version must replay: its own and
    those of every older version (runs its deploy had to finish)."""
    out = []
    for path in wh.fixtures():
        m = re.fullmatch(r".+-(v\d+)", path.stem)
        if m and _version(m.group(1)) <= _version(module.VERSION):
            out.append(path)
    return out


@pytest.mark.parametrize(
    "module,path",
    [(m, p) for m in RELEASED for p in _fixtures_up_to(m)],
    ids=lambda v: getattr(v, "VERSION", None) or getattr(v, "stem", None),
)
def test_a_frozen_version_replays_the_histories_of_its_release(module, path):
    """The frozen copy really is the released code: the histories its
    release recorded replay with it."""
    wh.replay(module.TestCycleWorkflow, path)


# --- the handover ------------------------------------------------------------


class Workers:
    """Workers on the test's own task queue, run on the session's loop."""

    def __init__(self, temporal, queue: str):
        self.temporal, self.queue, self.running = temporal, queue, []

    def _start(self, make) -> Worker:
        async def build():
            return make()

        worker = self.temporal.run(build())
        self.running.append((worker, self.temporal.spawn(worker.run())))
        return worker

    def start_released(self, module) -> Worker:
        client = self.temporal.env.client
        return self._start(lambda: Worker(
            client,
            task_queue=self.queue,
            workflows=[module.TestCycleWorkflow],
            activities=registry.activities(),
            activity_executor=ThreadPoolExecutor(max_workers=4, thread_name_prefix="old-activity"),
            max_concurrent_activities=4,
            interceptors=[DjangoInterceptor(), ActivityLogInterceptor()],
            identity=OLD_IDENTITY,
            # A deploy stops a worker after its running activities finish.
            graceful_shutdown_timeout=timedelta(seconds=30),
        ))

    def start_current(self) -> Worker:
        return self._start(lambda: build_worker(self.temporal.env.client, self.queue, threads=4))

    def stop(self, worker: Worker) -> None:
        for entry in [e for e in self.running if e[0] is worker]:
            self.temporal.run(worker.shutdown(), timeout=60)
            entry[1].result(timeout=30)
            self.running.remove(entry)

    def stop_all(self) -> None:
        for worker, _ in list(self.running):
            self.stop(worker)


@pytest.fixture
def upgrade(temporal, settings):
    queue = f"upgrade-{uuid.uuid4().hex[:8]}"
    settings.TEMPORAL_TASK_QUEUE = queue  # where services.start_workflow starts the run
    workers = Workers(temporal, queue)
    yield workers
    env = temporal.env

    async def terminate_running():
        async for wf in env.client.list_workflows(f'TaskQueue="{queue}" AND ExecutionStatus="Running"'):
            await env.client.get_workflow_handle(wf.id, run_id=wf.run_id).terminate("test over")

    try:
        temporal.run(terminate_running(), timeout=60)
    finally:
        workers.stop_all()


def _submit(cr, kind, user, payload, key):
    answer = submissions.submit(cr, kind, user, payload, f"{key}-{uuid.uuid4().hex[:6]}")
    assert answer.status == 200, (kind, answer.status, answer.body)
    return answer.body


def _failed_workflow_tasks(temporal, cr) -> list[str]:
    """Why workflow tasks failed (a nondeterminism error says the new code
    issues other commands than the history recorded)."""
    history = temporal.run(temporal.env.client.get_workflow_handle(cr.expected_workflow_id).fetch_history())
    return [
        e.workflow_task_failed_event_attributes.failure.message
        for e in history.events
        if e.HasField("workflow_task_failed_event_attributes")
    ]


def _reminders(cr, kind: str) -> int:
    return HumanTask.objects.get(cycle_report=cr, kind=kind, state__in=HumanTask.ACTIVE_STATES).reminders_sent


def _handover(upgrade, old, cr, kind):
    """Shut the released worker down while `kind` is awaited and start the
    current one. Two more reminders: the second needs a timer to fire and a
    workflow task after the old worker stopped, so the current code ran it."""
    upgrade.stop(old)
    before = _reminders(cr, kind)
    upgrade.start_current()

    def reminded_twice():
        failed = _failed_workflow_tasks(upgrade.temporal, cr)
        assert not failed, f"the current code cannot continue the released version's run: {failed}"
        return _reminders(cr, kind) >= before + 2

    wait_until(reminded_twice, timeout=30, interval=0.2, message=f"reminders of the {kind} under the current code")
    helpers.wait_for_awaiting(upgrade.temporal, cr, kind)  # the current code answers the query


def _finish_with_send_back(temporal, cr):
    """From the owner's approval (round 1): send back, review again, approve."""
    owner, tester = cr.report_owner, cr.tester
    helpers.wait_for_awaiting(temporal, cr, s.REPORT_OWNER_APPROVAL)
    _submit(cr, s.REPORT_OWNER_APPROVAL, owner, {"approved": False, "comments": "Keep the rate in scope"}, "o1")
    helpers.wait_for_task(cr, s.TESTER_REVIEW, round_no=2)
    helpers.wait_for_awaiting(temporal, cr, s.TESTER_REVIEW)
    reviewed = _submit(cr, s.TESTER_REVIEW, tester, wh.review_payload(cr, flip_first_non_key=False), "r2")
    assert reviewed["version"] == 2
    helpers.wait_for_awaiting(temporal, cr, s.REPORT_OWNER_APPROVAL)
    _submit(cr, s.REPORT_OWNER_APPROVAL, owner, {"approved": True, "comments": ""}, "o2")


def _assert_completed_by_the_current_code(temporal, cr):
    # The expected end of an old run: Scoping completes on the old path; then
    # (PATCH_LEGACY_RUNS_CONTINUE) the run goes on to Sample Selection like a
    # new one, and completes when its sample is approved.
    outcome = helpers.scoping_outcome(temporal, cr)
    assert (outcome["versions"], outcome["approved_version"]) == (2, 2)
    assert helpers.query(temporal, cr)["current_phase"] == "Sample Selection"
    result = helpers.through_sampling(temporal, cr)
    assert result["phases"] == {"Scoping": "completed", "Sample Selection": "completed", "Evidence": "completed"}
    cr = CycleReport.objects.get(pk=cr.pk)
    assert helpers.phase_status(cr, "Scoping") == "completed" and cr.completed_at
    assert helpers.phase_status(cr, "Sample Selection") == "completed"
    assert helpers.phase_status(cr, "Evidence") == "completed"
    tasks = list(HumanTask.objects.filter(cycle_report=cr).order_by("round", "kind").values_list("kind", "round", "state"))
    assert tasks == [
        ("evidence_review", 1, "completed"), ("evidence_submission", 1, "completed"),
        (s.REPORT_OWNER_APPROVAL, 1, "completed"), ("sample_approval", 1, "completed"), ("sample_selection", 1, "completed"),
        (s.TESTER_REVIEW, 1, "completed"), (s.REPORT_OWNER_APPROVAL, 2, "completed"), (s.TESTER_REVIEW, 2, "completed"),
    ]
    versions = ScopingSubmission.objects.filter(cycle_report=cr).values_list("version", "superseded_at")
    assert [(v, superseded is None) for v, superseded in versions] == [(1, False), (2, True)]
    assert list(OwnerDecision.objects.filter(cycle_report=cr).values_list("version", "outcome")) == [
        (1, OwnerDecision.Outcome.CHANGES_REQUESTED), (2, OwnerDecision.Outcome.APPROVED)
    ]
    events = list(AuditEvent.objects.filter(cycle_report=cr).values_list("event", flat=True))
    assert events.count("phase_completed") == 3 and events[-1] == "notice_sent", events

    # The history shows the handover: the released worker completed the
    # first workflow tasks, the current one every task after it.
    handle = temporal.env.client.get_workflow_handle(cr.expected_workflow_id)
    history = temporal.run(handle.fetch_history())
    identities = [
        e.workflow_task_completed_event_attributes.identity
        for e in history.events
        if e.HasField("workflow_task_completed_event_attributes")
    ]
    assert not _failed_workflow_tasks(temporal, cr)
    first_current = next(i for i, who in enumerate(identities) if who != OLD_IDENTITY)
    assert first_current > 0 and identities[0] == OLD_IDENTITY, identities
    assert OLD_IDENTITY not in identities[first_current:], identities
    # Reminders kept coming after the handover, scheduled by the current code.
    by_id = {e.event_id: e for e in history.events}
    reminded_by = {
        by_id[e.activity_task_scheduled_event_attributes.workflow_task_completed_event_id]
        .workflow_task_completed_event_attributes.identity
        for e in history.events
        if e.activity_task_scheduled_event_attributes.activity_type.name == "send_task_reminder_activity"
    }
    assert reminded_by - {OLD_IDENTITY}, reminded_by


@pytest.mark.temporal
@pytest.mark.parametrize("module", RELEASED, ids=lambda m: m.VERSION)
def test_a_run_started_by_the_released_code_awaiting_the_review_is_finished_by_the_current_code(module, temporal, upgrade):
    old = upgrade.start_released(module)
    cr = wh.start_report(temporal, reminder_amount=1, reminder_unit="seconds")
    assert HumanTask.objects.get(cycle_report=cr, kind=s.TESTER_REVIEW).state == "open"

    _handover(upgrade, old, cr, s.TESTER_REVIEW)
    reviewed = _submit(cr, s.TESTER_REVIEW, cr.tester, wh.review_payload(cr), "r1")
    assert (reviewed["accepted"], reviewed["version"]) == (True, 1)
    _finish_with_send_back(temporal, cr)
    _assert_completed_by_the_current_code(temporal, cr)


@pytest.mark.temporal
@pytest.mark.parametrize("module", RELEASED, ids=lambda m: m.VERSION)
def test_a_run_started_by_the_released_code_awaiting_the_approval_is_finished_by_the_current_code(module, temporal, upgrade):
    old = upgrade.start_released(module)
    cr = wh.start_report(temporal, reminder_amount=1, reminder_unit="seconds")
    reviewed = _submit(cr, s.TESTER_REVIEW, cr.tester, wh.review_payload(cr), "r1")
    assert (reviewed["accepted"], reviewed["version"]) == (True, 1)
    helpers.wait_for_awaiting(temporal, cr, s.REPORT_OWNER_APPROVAL)

    _handover(upgrade, old, cr, s.REPORT_OWNER_APPROVAL)
    _finish_with_send_back(temporal, cr)
    _assert_completed_by_the_current_code(temporal, cr)
