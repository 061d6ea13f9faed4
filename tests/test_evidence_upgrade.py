"""Issue 14: the Evidence phase deployed while runs wait for people. A run
started by the code before the phase (tests/workflow_before_evidence.py,
which replays the v3 fixtures) and awaiting the owner's approval of its
sample is taken over by the current code: once the sample is approved it
goes on to the Evidence phase (the patch marker recorded then), through a
returned record, to completion, with no workflow task failing."""
from __future__ import annotations

import base64
import json
import types

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cycles import workflow_types as t
from reviews.models import HumanTask
from sampling import selection
from scoping import workflow_steps as s

from . import helpers
from . import workflow_histories as wh
from .test_workflow_replay import _by_version
from .test_workflow_upgrade import _failed_workflow_tasks, _handover, _submit, upgrade  # noqa: F401  (fixture)
from .workflow_before_evidence import BeforeEvidenceWorkflow

BEFORE_EVIDENCE = types.SimpleNamespace(TestCycleWorkflow=BeforeEvidenceWorkflow)


@pytest.mark.parametrize("path", _by_version("v3"), ids=lambda p: p.stem)
def test_the_code_before_evidence_replays_its_fixtures(path):
    wh.replay(BeforeEvidenceWorkflow, path)


@pytest.mark.temporal
def test_a_run_awaiting_its_sample_approval_goes_on_to_evidence_on_the_new_code(temporal, upgrade):  # noqa: F811
    old = upgrade.start_released(BEFORE_EVIDENCE)
    cr = wh.start_report(temporal, reminder_amount=1, reminder_unit="seconds")
    _submit(cr, s.TESTER_REVIEW, cr.tester, wh.review_payload(cr), "r1")
    helpers.wait_for_awaiting(temporal, cr, s.REPORT_OWNER_APPROVAL)
    _submit(cr, s.REPORT_OWNER_APPROVAL, cr.report_owner, {"approved": True, "comments": ""}, "o1")
    helpers.wait_for_awaiting(temporal, cr, "sample_selection")
    selection.upload_population(cr, SimpleUploadedFile("loans.csv", helpers.population_csv(cr, rows=8)), "loans.csv", None, cr.tester)
    population = selection.Population.current_for(cr)
    payload = {"method": "random", "size": 3, "seed": 3, "stratify_by": None, "order_by": None, "record_keys": [],
               "add_keys": [], "remove_keys": [], "rationale": "", "population_id": population.pk}
    _submit(cr, "sample_selection", cr.tester, payload, "s1")
    helpers.wait_for_awaiting(temporal, cr, "sample_approval")
    assert helpers.query(temporal, cr)["phase_progress"] == {"Scoping": "completed", "Sample Selection": "in_progress"}

    _handover(upgrade, old, cr, "sample_approval")
    _submit(cr, "sample_approval", cr.report_owner, {"approved": True, "comments": ""}, "a1")
    helpers.through_evidence(temporal, cr, return_first=True)
    outcome = helpers.result(temporal, cr)
    assert outcome["phases"]["Evidence"] == "completed" and outcome["phases"]["Sample Selection"] == "completed"
    assert not _failed_workflow_tasks(temporal, cr)
    assert list(HumanTask.objects.filter(cycle_report=cr, kind__startswith="evidence").order_by("round", "kind").values_list("kind", "round")) == [
        ("evidence_review", 1), ("evidence_submission", 1), ("evidence_review", 2), ("evidence_submission", 2),
    ]
    history = json.loads(wh.history_json(temporal, cr))
    markers = [
        e["markerRecordedEventAttributes"]["details"]["patch-data"]["payloads"][0]["data"]
        for e in history["events"]
        if e.get("markerRecordedEventAttributes", {}).get("markerName") == "core_patch"
    ]
    assert t.PATCH_EVIDENCE_PHASE in [json.loads(base64.b64decode(m))["id"] for m in markers]
