"""Recorded histories of complete Scoping runs replay against the current
workflow code: a change that would break runs already in flight (people
still reviewing when it is deployed) fails here, not in production.
See docs/workflow-changes.md."""
from __future__ import annotations

import asyncio
import base64
import json
import os

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from cycles import workflow_types as t
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
@pytest.mark.parametrize("scenario", sorted(wh.SCENARIOS))
def test_a_fresh_run_of_each_scenario_replays(scenario, temporal, tmp_path):
    """Each scenario is run for real and its history replayed, so the
    fixture scenarios keep working with the current code. With
    RECORD_WORKFLOW_HISTORIES=<version tag> the history is also kept as a
    new fixture in tests/histories/."""
    cr = wh.SCENARIOS[scenario](temporal)
    text = wh.history_json(temporal, cr) + "\n"
    fresh = tmp_path / f"{scenario}-fresh.json"
    fresh.write_text(text)
    _replay(TestCycleWorkflow, fresh)
    if RECORD:
        wh.HISTORIES.mkdir(exist_ok=True)
        (wh.HISTORIES / f"{scenario}-{RECORD}.json").write_text(text)


def _by_version(tag):
    return [p for p in wh.fixtures() if p.stem.endswith(f"-{tag}")]


def test_fixtures_exist_from_before_and_after_the_patch():
    # v1: recorded before notify_phase_completed_activity; v2: with its patch.
    for tag in ("v1", "v2"):
        assert {p.stem for p in _by_version(tag)} == {f"{s}-{tag}" for s in wh.SCENARIOS}, tag


@pytest.mark.parametrize("path", _by_version("v1"), ids=lambda p: p.stem)
def test_the_same_change_without_the_patch_guard_breaks_old_runs(path):
    from temporalio.workflow import NondeterminismError

    from .workflow_variants import UnguardedNotifyWorkflow

    with pytest.raises(NondeterminismError):
        _replay(UnguardedNotifyWorkflow, path)


@pytest.mark.parametrize("path", _by_version("v2"), ids=lambda p: p.stem)
def test_runs_recorded_with_the_patch_carry_its_marker_and_need_the_new_code(path):
    """Why a patch is removed only after every older run has finished, and
    why a deploy cannot simply be rolled back once patched runs exist."""
    from temporalio.workflow import NondeterminismError

    from .workflow_variants import BeforeNotifyWorkflow

    events = json.loads(path.read_text())["events"]
    patches = [
        json.loads(base64.b64decode(e["markerRecordedEventAttributes"]["details"]["patch-data"]["payloads"][0]["data"]))["id"]
        for e in events
        if e.get("markerRecordedEventAttributes", {}).get("markerName") == "core_patch"
    ]
    assert patches == [t.PATCH_NOTIFY_PHASE_COMPLETED]
    activities = [e["activityTaskScheduledEventAttributes"]["activityType"]["name"] for e in events if "activityTaskScheduledEventAttributes" in e]
    assert activities[-2:] == ["complete_scoping_phase_activity", "notify_phase_completed_activity"]
    with pytest.raises(NondeterminismError):
        _replay(BeforeNotifyWorkflow, path)
