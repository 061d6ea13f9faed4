"""Recorded histories of complete Scoping runs replay against the current
workflow code: a change that would break runs already in flight (people
still reviewing when it is deployed) fails here, not in production.
See docs/workflow-changes.md."""
from __future__ import annotations

import base64
import json
import os
import re

import pytest

from cycles import workflow_types as t
from scoping import workflow_steps as s
from cycles.test_cycle_workflow import TestCycleWorkflow

from . import workflow_histories as wh

RECORD = os.environ.get("RECORD_WORKFLOW_HISTORIES", "")


@pytest.mark.parametrize("path", wh.fixtures(), ids=lambda p: p.stem)
def test_recorded_history_replays_with_current_workflow(path):
    wh.replay(TestCycleWorkflow, path)


def test_every_scenario_has_a_fixture():
    names = {p.stem.rsplit("-", 1)[0] for p in wh.fixtures()}
    assert set(wh.SCENARIOS) <= names, names


@pytest.mark.temporal
@pytest.mark.parametrize("scenario", sorted(wh.SCENARIOS))
def test_a_fresh_run_of_each_scenario_replays(scenario, temporal, tmp_path):
    """Each scenario is run for real and its history replayed, so the
    fixture scenarios keep working with the current code. With
    RECORD_WORKFLOW_HISTORIES=<version tag> the history is also kept as a
    new fixture in tests/histories/, pinned, and never over an existing one."""
    name = f"{scenario}-{RECORD}.json"
    if RECORD and wh.refusal(name):
        pytest.fail(wh.refusal(name))  # before spending the run
    cr = wh.SCENARIOS[scenario](temporal)
    text = wh.history_json(temporal, cr) + "\n"
    fresh = tmp_path / f"{scenario}-fresh.json"
    fresh.write_text(text)
    wh.replay(TestCycleWorkflow, fresh)
    if RECORD:
        try:
            wh.keep(text, name)
        except wh.AlreadyRecorded as refused:
            pytest.fail(str(refused))


# --- every fixture pinned ---------------------------------------------------


def test_every_fixture_is_pinned_by_its_checksum():
    """A recorded history stands for runs in flight: editing, re-recording or
    deleting one would hide a break. SHA256SUMS pins each file's bytes."""
    sums = wh.pinned()
    names = {p.name for p in wh.fixtures()}
    where = f"tests/histories/{wh.CHECKSUMS_NAME}"
    assert not names - set(sums), f"fixtures not pinned in {where} (record them with RECORD_WORKFLOW_HISTORIES): {sorted(names - set(sums))}"
    assert not set(sums) - names, f"fixtures pinned in {where} but missing: {sorted(set(sums) - names)}"
    changed = [p.name for p in wh.fixtures() if wh.sha256(p) != sums[p.name]]
    assert not changed, f"recorded histories differ from their pinned checksums (restore them: git checkout -- tests/histories): {changed}"


def test_recording_pins_a_new_history_and_refuses_to_overwrite_one(tmp_path):
    first = wh.keep('{"events": []}\n', "scenario-v9.json", tmp_path)
    other = wh.keep('{"events": [1]}\n', "another-v9.json", tmp_path)
    pins = {"scenario-v9.json": wh.sha256(first), "another-v9.json": wh.sha256(other)}
    assert wh.pinned(tmp_path) == pins
    # In sha256sum's own format, sorted by name.
    assert (tmp_path / wh.CHECKSUMS_NAME).read_text() == "".join(f"{pins[n]}  {n}\n" for n in sorted(pins))

    with pytest.raises(wh.AlreadyRecorded, match="never overwritten"):
        wh.keep('{"events": [2]}\n', "scenario-v9.json", tmp_path)
    assert first.read_text() == '{"events": []}\n' and wh.pinned(tmp_path) == pins
    # Deleted by hand but still pinned: recording it again is refused too.
    first.unlink()
    with pytest.raises(wh.AlreadyRecorded):
        wh.keep("{}\n", "scenario-v9.json", tmp_path)
    assert not first.exists() and wh.pinned(tmp_path) == pins


# --- what the fixtures hold -------------------------------------------------


def _by_version(tag):
    return [p for p in wh.fixtures() if p.stem.endswith(f"-{tag}")]


# Which scenarios each version's fixtures hold: v1 was recorded before the
# manager notification; v2 with its patch, the later scenarios included;
# v3 by the phase mechanism (Scoping, then Sample Selection).
RECORDED = {
    "v1": {"approved_first_time", "rejection_round"},
    "v2": {"approved_first_time", "rejection_round", "escalation", "reassignment", "no_search_attributes"},
    # The phase mechanism with Scoping and Sample Selection, before Evidence.
    "v3": {"approved_first_time", "rejection_round", "escalation", "reassignment", "no_search_attributes"},
}


def test_fixtures_exist_from_before_and_after_the_patch():
    for tag, scenarios in RECORDED.items():
        assert {p.stem for p in _by_version(tag)} == {f"{s}-{tag}" for s in scenarios}, tag


def test_the_newest_version_has_a_fixture_of_every_scenario():
    # Version tags are v<N>; histories of real runs (prod-<date>) are extra.
    tags = {m.group(1) for p in wh.fixtures() if (m := re.fullmatch(r".+-(v\d+)", p.stem))}
    newest = max(tags, key=lambda tag: int(tag[1:]))
    assert {p.stem.rsplit("-", 1)[0] for p in _by_version(newest)} == set(wh.SCENARIOS), newest


def _events(path) -> list[dict]:
    return json.loads(path.read_text())["events"]


def _payload(payloads: dict) -> object:
    return json.loads(base64.b64decode(payloads["payloads"][0]["data"]))


def _activities(events) -> list[str]:
    return [e["activityTaskScheduledEventAttributes"]["activityType"]["name"] for e in events if "activityTaskScheduledEventAttributes" in e]


def test_the_later_scenarios_hold_what_they_are_named_for():
    """An escalation, a reassignment and a run without search attributes:
    paths of the workflow the first fixtures never took."""
    activities = _activities(_events(wh.HISTORIES / "escalation-v2.json"))
    escalated = activities.index("escalate_task_activity")
    assert "send_task_reminder_activity" in activities[:escalated]
    # Then a reminder on the escalated branch's timer, before the review came in.
    after = activities[escalated + 1:]
    assert after.index("send_task_reminder_activity") < after.index("tester_review_attributes_activity")

    reassigned = _events(wh.HISTORIES / "reassignment-v2.json")
    signals = [e["workflowExecutionSignaledEventAttributes"] for e in reassigned if "workflowExecutionSignaledEventAttributes" in e]
    assert [sig["signalName"] for sig in signals] == ["reassign_task_signal"] * 3
    assert [_payload(sig["input"])["kind"] for sig in signals] == [s.TESTER_REVIEW, s.REPORT_OWNER_APPROVAL, s.TESTER_REVIEW]

    for path in wh.fixtures():
        started = _events(path)[0]["workflowExecutionStartedEventAttributes"]
        # The SDK's own TemporalChangeVersion (of workflow.patched) aside.
        upserts = [
            e for e in _events(path)
            if set(e.get("upsertWorkflowSearchAttributesEventAttributes", {}).get("searchAttributes", {}).get("indexedFields", {}))
            & {t.SA_AWAITING_ACTION, t.SA_AWAITING_ASSIGNEE, t.SA_AWAITING_SINCE}
        ]
        if path.stem.startswith("no_search_attributes-"):
            assert _payload(started["input"])["use_search_attributes"] is False, path.name
            assert upserts == [], path.name
        else:
            assert upserts, path.name


@pytest.mark.parametrize("path", _by_version("v1"), ids=lambda p: p.stem)
def test_the_same_change_without_the_patch_guard_breaks_old_runs(path):
    from temporalio.workflow import NondeterminismError

    from .workflow_variants import UnguardedNotifyWorkflow

    with pytest.raises(NondeterminismError):
        wh.replay(UnguardedNotifyWorkflow, path)


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
        wh.replay(BeforeNotifyWorkflow, path)


@pytest.mark.parametrize("path", _by_version("v3"), ids=lambda p: p.stem)
def test_runs_that_completed_before_the_evidence_phase_need_its_guard(path, monkeypatch):
    """v3 runs ended after Sample Selection. With the Evidence phase behind
    PATCH_EVIDENCE_PHASE they replay (test above); the same phase added
    without its guard would schedule its activities where the history
    completed the run: a nondeterminism error."""
    from temporalio.workflow import NondeterminismError

    from cycles import workflow_phases
    from evidence import workflow_steps as evidence

    assert workflow_phases.PHASE_PATCHES[evidence.PHASE] == t.PATCH_EVIDENCE_PHASE
    monkeypatch.delitem(workflow_phases.PHASE_PATCHES, evidence.PHASE)
    with pytest.raises(NondeterminismError):
        wh.replay(TestCycleWorkflow, path)
