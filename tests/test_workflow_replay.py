"""Recorded histories of complete Scoping runs replay against the current
workflow code: a change that would break runs already in flight (people
still reviewing when it is deployed) fails here, not in production.
See docs/workflow-changes.md."""
from __future__ import annotations

import asyncio
import json
import os

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from cycles.test_cycle_workflow import TestCycleWorkflow

from . import workflow_histories as wh

RECORD = os.environ.get("RECORD_WORKFLOW_HISTORIES", "")


def _load(path) -> WorkflowHistory:
    data = json.loads(path.read_text())
    return WorkflowHistory.from_json(path.stem, data)


def _replay(workflow_class, path):
    return asyncio.run(Replayer(workflows=[workflow_class]).replay_workflow(_load(path)))


@pytest.mark.parametrize("path", wh.fixtures(), ids=lambda p: p.stem)
def test_recorded_history_replays_with_current_workflow(path):
    _replay(TestCycleWorkflow, path)


def test_fixtures_cover_both_scenarios():
    names = {p.stem.rsplit("-", 1)[0] for p in wh.fixtures()}
    assert set(wh.SCENARIOS) <= names, names


@pytest.mark.temporal
@pytest.mark.skipif(not RECORD, reason="set RECORD_WORKFLOW_HISTORIES=<version tag> to re-record the fixtures")
@pytest.mark.parametrize("scenario", sorted(wh.SCENARIOS))
def test_record_history(scenario, temporal):
    cr = wh.SCENARIOS[scenario](temporal)
    wh.HISTORIES.mkdir(exist_ok=True)
    (wh.HISTORIES / f"{scenario}-{RECORD}.json").write_text(wh.history_json(temporal, cr) + "\n")
