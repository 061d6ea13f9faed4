"""The worker keeps a bounded number of workflows in memory
(TEMPORAL_WORKER_MAX_CACHED_WORKFLOWS, issue 15): a run evicted while its
person takes their time is rebuilt from its history when they answer, and
carries on exactly where it was."""
from __future__ import annotations

import uuid
from collections import Counter

import pytest
from temporalio.worker import WorkflowRunner

from cycles.test_cycle_workflow import TestCycleWorkflow
from cycles.workflow_sandbox import runner_for

from cycles.worker import build_worker
from scoping import workflow_steps as s

from . import helpers
from .factories import scoped_report
from .test_api import api, url
from .workflow_histories import review_payload


class CountingRunner(WorkflowRunner):
    """The worker's own sandboxed runner, counting how often each workflow is
    built: once when first run, once more each time it is rebuilt after
    eviction."""

    def __init__(self):
        self.inner = runner_for(TestCycleWorkflow)
        self.built: Counter[str] = Counter()

    def prepare_workflow(self, defn) -> None:
        self.inner.prepare_workflow(defn)

    def create_instance(self, det):
        self.built[det.info.workflow_id] += 1
        return self.inner.create_instance(det)

    def set_worker_level_failure_exception_types(self, types) -> None:
        self.inner.set_worker_level_failure_exception_types(types)


def test_the_worker_caches_as_many_workflows_as_the_setting_says(settings, temporal_env):
    settings.TEMPORAL_WORKER_MAX_CACHED_WORKFLOWS = 37

    async def build():
        return build_worker(temporal_env.env.client, "cache-config")

    config = temporal_env.run(build()).config()
    assert config["max_cached_workflows"] == 37
    assert config["max_concurrent_workflow_tasks"] == 37


@pytest.mark.temporal
def test_an_evicted_workflow_resumes_when_its_person_answers(temporal, settings):
    queue = f"cache-{uuid.uuid4().hex[:8]}"
    settings.TEMPORAL_TASK_QUEUE = queue  # where start_workflow starts the runs
    runner = CountingRunner()

    async def build():
        return build_worker(temporal.env.client, queue, threads=4, max_cached_workflows=2, workflow_runner=runner)

    worker = temporal.run(build())
    running = temporal.spawn(worker.run())
    try:
        reports = [scoped_report(attributes=4) for _ in range(4)]
        for cr in reports:
            assert api(cr.tester).post(url(cr, "start")).status_code == 201
            helpers.wait_for_awaiting(temporal, cr, s.TESTER_REVIEW)
        first = reports[0]
        # Three runs came after it through a cache of two: it was evicted.
        assert runner.built[first.expected_workflow_id] == 1
        review = api(first.tester).post(url(first, "tester-review"), review_payload(first), format="json")
        assert review.status_code == 200, review.content
        assert runner.built[first.expected_workflow_id] >= 2
        helpers.wait_for_awaiting(temporal, first, s.REPORT_OWNER_APPROVAL)
        approval = api(first.report_owner).post(
            url(first, "report-owner-approval"), {"approved": True, "comments": ""}, format="json"
        )
        assert approval.status_code == 200, approval.content
        assert helpers.scoping_outcome(temporal, first)["approved_version"] == 1
        history = temporal.run(temporal.env.client.get_workflow_handle(first.expected_workflow_id).fetch_history())
        assert not [e for e in history.events if e.HasField("workflow_task_failed_event_attributes")]
    finally:
        temporal.run(worker.shutdown(), timeout=60)
        running.result(timeout=30)
