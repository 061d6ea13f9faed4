"""Short database activities run as local activities (issue 15): one marker
in the history instead of three events and two round trips through the
server. Runs recorded before the change keep their ordinary activities
(tests/test_workflow_replay.py replays the v3 fixtures)."""
from __future__ import annotations

import json
import sys

import pytest

from cycles import workflow_types as t
from cycles.human_steps import ActivityRef
from cycles.workflow_phases import PHASES
from sampling import workflow_steps as sampling
from scoping import workflow_steps as scoping

from . import workflow_histories as wh

def _refs() -> dict[str, object]:
    """Every ActivityRef the workflow may call, by activity name: the core's
    and each phase's (whichever apps register phases)."""
    modules = [t, *(sys.modules[phase.run.__module__] for phase in PHASES)]
    return {ref.name: ref for module in modules for ref in vars(module).values() if isinstance(ref, ActivityRef)}


# Calls that may take minutes (a language model, a draw from millions of
# rows) stay ordinary activities: heartbeats, their own timeouts.
ORDINARY = {scoping.GENERATE_RECOMMENDATIONS.name, sampling.APPLY_SELECTION.name}
LOCAL = {t.START_PHASE.name, t.COMPLETE_PHASE.name, t.OPEN_TASK.name, scoping.APPLY_TESTER_REVIEW.name}


@pytest.mark.temporal
def test_a_new_run_calls_short_database_activities_locally(temporal):
    cr = wh.SCENARIOS["approved_first_time"](temporal)
    history = temporal.run(temporal.env.client.get_workflow_handle(cr.expected_workflow_id).fetch_history())
    calls = wh.activity_calls(history)
    refs = _refs()
    assert [(c["type"], c["local"]) for c in calls] == [(c["type"], refs[c["type"]].local) for c in calls]
    assert LOCAL <= {c["type"] for c in calls if c["local"]}
    assert ORDINARY <= {c["type"] for c in calls if not c["local"]}
    assert not [ref for ref in ORDINARY if refs[ref].local]
    patches = [
        json.loads(e.marker_recorded_event_attributes.details["patch-data"].payloads[0].data)["id"]
        for e in history.events
        if e.HasField("marker_recorded_event_attributes") and e.marker_recorded_event_attributes.marker_name == "core_patch"
    ]
    assert t.PATCH_LOCAL_ACTIVITIES in patches


def test_runs_recorded_before_the_change_have_no_local_activity():
    """The v3 fixtures stand for runs waiting when this ships: they replay
    (test_workflow_replay) on the ordinary-activity branch."""
    for path in wh.fixtures():
        events = json.loads(path.read_text())["events"]
        markers = [e["markerRecordedEventAttributes"]["markerName"] for e in events if "markerRecordedEventAttributes" in e]
        assert wh.LOCAL_ACTIVITY_MARKER not in markers, path.name
