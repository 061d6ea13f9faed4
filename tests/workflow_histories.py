"""Complete Scoping runs whose Temporal histories are kept as replay fixtures
(tests/histories/*.json). See docs/workflow-changes.md.

Re-record with the current workflow code:
    RECORD_WORKFLOW_HISTORIES=v2 .venv/bin/python -m pytest -q tests/test_workflow_replay.py -k fresh_run
writes tests/histories/<scenario>-v2.json. Never overwrite the fixtures of an
older version: they stand for runs still waiting for people in production."""
from __future__ import annotations

import json
import uuid
from pathlib import Path

from cycles import workflow_types as t
from reviews import submissions
from reviews.models import HumanTask
from scoping.models import Recommendation

from . import helpers
from .factories import scoped_report
from .temporal_harness import wait_until

HISTORIES = Path(__file__).resolve().parent / "histories"


def review_payload(cr, flip_first_non_key: bool = True) -> dict:
    decisions, flipped = [], False
    for rec in Recommendation.objects.filter(cycle_report=cr).select_related("attribute").order_by("attribute_id"):
        include, rationale = rec.include, ""
        if flip_first_non_key and not flipped and not rec.attribute.is_primary_key:
            include, rationale, flipped = not rec.include, "Covered by a reconciliation control", True
        decisions.append({"attribute_id": rec.attribute_id, "include": include, "rationale": rationale})
    return {"decisions": decisions}


def _started(temporal, **cycle_settings):
    cr = scoped_report(attributes=4)
    for name, value in cycle_settings.items():
        setattr(cr.cycle, name, value)
    cr.cycle.save()
    from cycles import services

    services.start_workflow(cr, actor=cr.tester)
    helpers.wait_for_task(cr, t.TESTER_REVIEW)
    helpers.wait_for_awaiting(temporal, cr, t.TESTER_REVIEW)
    return cr


def approved_first_time(temporal):
    """Review (by Update, with one override) then approval (by Update)."""
    cr = _started(temporal)
    answer = submissions.submit(cr, t.TESTER_REVIEW, cr.tester, review_payload(cr), "r1")
    assert answer.status == 200, answer.body
    helpers.wait_for_awaiting(temporal, cr, t.REPORT_OWNER_APPROVAL)
    answer = submissions.submit(cr, t.REPORT_OWNER_APPROVAL, cr.report_owner, {"approved": True, "comments": "Fine"}, "o1")
    assert answer.status == 200, answer.body
    helpers.result(temporal, cr)
    return cr


def rejection_round(temporal):
    """Review; a reminder fires; the owner's refused and repeated signals;
    changes requested by signal; second review; approval by Update."""
    cr = _started(temporal, human_task_remind_every=1)
    wait_until(
        lambda: HumanTask.objects.filter(cycle_report=cr, kind=t.TESTER_REVIEW, reminders_sent__gte=1).exists(),
        timeout=20,
        message="a reminder",
    )
    assert submissions.submit(cr, t.TESTER_REVIEW, cr.tester, review_payload(cr), "r1").status == 200
    helpers.wait_for_awaiting(temporal, cr, t.REPORT_OWNER_APPROVAL)
    handle = temporal.env.client.get_workflow_handle(cr.expected_workflow_id)
    owner = cr.report_owner.username

    def signal(**kw):
        temporal.run(handle.signal("report_owner_approval_signal", t.OwnerApprovalSubmission(**kw)))

    # Sent back without comments: refused and recorded, the step still waits.
    signal(submission_id="bad-1", submitted_by=owner, on_behalf_of=owner, approved=False, comments="")
    back = dict(submission_id=f"sig-{uuid.uuid4().hex}", submitted_by=owner, on_behalf_of=owner, approved=False, comments="Keep the rate in scope")
    signal(**back)
    signal(**back)  # a repeat: one effect
    helpers.wait_for_task(cr, t.TESTER_REVIEW, round_no=2)
    helpers.wait_for_awaiting(temporal, cr, t.TESTER_REVIEW)
    assert submissions.submit(cr, t.TESTER_REVIEW, cr.tester, review_payload(cr, flip_first_non_key=False), "r2").status == 200
    helpers.wait_for_awaiting(temporal, cr, t.REPORT_OWNER_APPROVAL)
    assert submissions.submit(cr, t.REPORT_OWNER_APPROVAL, cr.report_owner, {"approved": True, "comments": ""}, "o2").status == 200
    helpers.result(temporal, cr)
    return cr


SCENARIOS = {"approved_first_time": approved_first_time, "rejection_round": rejection_round}


def history_json(temporal, cr) -> str:
    handle = temporal.env.client.get_workflow_handle(cr.expected_workflow_id)
    history = temporal.run(handle.fetch_history())
    # Indented so that a diff of a re-recorded fixture is readable.
    return json.dumps(json.loads(history.to_json()), indent=1)


def fixtures() -> list[Path]:
    return sorted(HISTORIES.glob("*.json"))
