"""Complete Scoping runs whose Temporal histories are kept as replay fixtures
(tests/histories/*.json). See docs/workflow-changes.md.

Record the scenarios of a new workflow version:
    RECORD_WORKFLOW_HISTORIES=v3 .venv/bin/python -m pytest -q tests/test_workflow_replay.py -k fresh_run
writes tests/histories/<scenario>-v3.json and pins its SHA-256 in
tests/histories/SHA256SUMS. A recorded history is never overwritten (the
recording test fails instead): it stands for runs still waiting for people
in production. A scenario added later is recorded alone, with the tag of the
code it runs on: `-k "fresh_run and <scenario>"`."""
from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from pathlib import Path

from django.test import override_settings
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from cycles import roles
from cycles import workflow_types as t
from scoping import workflow_steps as s
from cycles.human_steps import ApprovalSubmission
from reviews import submissions
from reviews.reassignment import reassign
from reviews.models import AuditEvent, HumanTask
from scoping.models import Recommendation

from . import helpers
from .factories import UserFactory, scoped_report
from .temporal_harness import wait_until

HISTORIES = Path(__file__).resolve().parent / "histories"
CHECKSUMS_NAME = "SHA256SUMS"


def review_payload(cr, flip_first_non_key: bool = True) -> dict:
    decisions, flipped = [], False
    for rec in Recommendation.objects.filter(cycle_report=cr).select_related("attribute").order_by("attribute_id"):
        include, rationale = rec.include, ""
        if flip_first_non_key and not flipped and not rec.attribute.is_primary_key:
            include, rationale, flipped = not rec.include, "Covered by a reconciliation control", True
        decisions.append({"attribute_id": rec.attribute_id, "include": include, "rationale": rationale})
    return {"decisions": decisions}


def start_report(temporal, **cycle_settings):
    """A report with 4 attributes, its workflow started and awaiting the
    tester's review (cycle_settings: fields of its TestCycle)."""
    cr = scoped_report(attributes=4)
    for name, value in cycle_settings.items():
        setattr(cr.cycle, name, value)
    cr.cycle.save()
    from cycles.workflow_start import start_workflow

    start_workflow(cr, actor=cr.tester)
    helpers.wait_for_task(cr, s.TESTER_REVIEW)
    helpers.wait_for_awaiting(temporal, cr, s.TESTER_REVIEW)
    return cr


def approved_first_time(temporal):
    """Review (by Update, with one override) then approval (by Update)."""
    cr = start_report(temporal)
    answer = submissions.submit(cr, s.TESTER_REVIEW, cr.tester, review_payload(cr), "r1")
    assert answer.status == 200, answer.body
    helpers.wait_for_awaiting(temporal, cr, s.REPORT_OWNER_APPROVAL)
    answer = submissions.submit(cr, s.REPORT_OWNER_APPROVAL, cr.report_owner, {"approved": True, "comments": "Fine"}, "o1")
    assert answer.status == 200, answer.body
    helpers.through_sampling(temporal, cr)
    return cr


def rejection_round(temporal):
    """Review; a reminder fires; the owner's refused and repeated signals;
    changes requested by signal; second review; approval by Update."""
    cr = start_report(temporal, reminder_amount=1, reminder_unit="seconds")
    wait_until(
        lambda: HumanTask.objects.filter(cycle_report=cr, kind=s.TESTER_REVIEW, reminders_sent__gte=1).exists(),
        timeout=20,
        message="a reminder",
    )
    assert submissions.submit(cr, s.TESTER_REVIEW, cr.tester, review_payload(cr), "r1").status == 200
    helpers.wait_for_awaiting(temporal, cr, s.REPORT_OWNER_APPROVAL)
    handle = temporal.env.client.get_workflow_handle(cr.expected_workflow_id)
    owner = cr.report_owner.username

    def signal(**kw):
        temporal.run(handle.signal("report_owner_approval_signal", ApprovalSubmission(**kw)))

    # Sent back without comments: refused and recorded, the step still waits.
    signal(submission_id="bad-1", submitted_by=owner, on_behalf_of=owner, approved=False, comments="")
    back = dict(submission_id=f"sig-{uuid.uuid4().hex}", submitted_by=owner, on_behalf_of=owner, approved=False, comments="Keep the rate in scope")
    signal(**back)
    signal(**back)  # a repeat: one effect
    helpers.wait_for_task(cr, s.TESTER_REVIEW, round_no=2)
    helpers.wait_for_awaiting(temporal, cr, s.TESTER_REVIEW)
    assert submissions.submit(cr, s.TESTER_REVIEW, cr.tester, review_payload(cr, flip_first_non_key=False), "r2").status == 200
    helpers.wait_for_awaiting(temporal, cr, s.REPORT_OWNER_APPROVAL)
    assert submissions.submit(cr, s.REPORT_OWNER_APPROVAL, cr.report_owner, {"approved": True, "comments": ""}, "o2").status == 200
    # Then Sample Selection, with one sample sent back (runs since the phase mechanism).
    helpers.through_sampling(temporal, cr, send_back=True)
    return cr


def escalation(temporal):
    """The review falls due (durations in seconds): reminders, the escalation
    at the due date, a reminder after it; then review and approval."""
    cr = start_report(temporal, task_due_amount=2, task_due_unit="seconds", reminder_amount=1, reminder_unit="seconds")

    def reminded_after_escalation():
        escalated = AuditEvent.objects.filter(cycle_report=cr, event=AuditEvent.Event.ESCALATION).first()
        return escalated and AuditEvent.objects.filter(
            cycle_report=cr, event=AuditEvent.Event.REMINDER, id__gt=escalated.id
        ).exists()

    wait_until(reminded_after_escalation, timeout=20, message="the escalation, then a reminder")
    assert helpers.query(temporal, cr)["escalated"] is True
    assert submissions.submit(cr, s.TESTER_REVIEW, cr.tester, review_payload(cr), "r1").status == 200
    helpers.wait_for_awaiting(temporal, cr, s.REPORT_OWNER_APPROVAL)
    assert submissions.submit(cr, s.REPORT_OWNER_APPROVAL, cr.report_owner, {"approved": True, "comments": ""}, "o1").status == 200
    helpers.through_sampling(temporal, cr)
    return cr


def _wait_for_assignee(temporal, cr, username):
    wait_until(
        lambda: (helpers.query(temporal, cr, "get_awaiting_action") or {}).get("assignee") == username,
        timeout=20,
        message=f"the workflow to name {username}",
    )


def reassignment(temporal):
    """A manager reassigns the review (reassign_task_signal) and the new
    tester submits it; the approval is reassigned too; a late reassignment of
    the finished review changes nothing; the new owner approves."""
    cr = start_report(temporal)
    manager = cr.cycle.test_manager
    tester2 = UserFactory(role=roles.TESTER)
    owner2 = UserFactory(role=roles.REPORT_OWNER)
    review = HumanTask.objects.get(cycle_report=cr, kind=s.TESTER_REVIEW, round=1)
    reassign(review.pk, tester2.username, "On leave", by=manager)
    _wait_for_assignee(temporal, cr, tester2.username)
    assert submissions.submit(cr, s.TESTER_REVIEW, tester2, review_payload(cr), "r1").status == 200
    helpers.wait_for_awaiting(temporal, cr, s.REPORT_OWNER_APPROVAL)
    approval = HumanTask.objects.get(cycle_report=cr, kind=s.REPORT_OWNER_APPROVAL, round=1)
    reassign(approval.pk, owner2.username, "Covers the desk", by=manager)
    _wait_for_assignee(temporal, cr, owner2.username)
    # A reassignment signal that arrives after its step closed (e.g. sent
    # late): the workflow ignores it, so owner2 stays the approver.
    handle = temporal.env.client.get_workflow_handle(cr.expected_workflow_id)
    late = t.Reassign(kind=s.TESTER_REVIEW, task_id=review.pk, new_assignee=cr.tester.username,
                      reassigned_by=manager.username, reason="late")
    temporal.run(handle.signal("reassign_task_signal", late))
    answer = submissions.submit(cr, s.REPORT_OWNER_APPROVAL, owner2, {"approved": True, "comments": "Fine"}, "o1")
    assert answer.status == 200, answer.body
    helpers.through_sampling(temporal, cr)
    return cr


def no_search_attributes(temporal):
    """TEMPORAL_SEARCH_ATTRIBUTES=false (a cluster without them): the input
    says so and the run upserts nothing; review, send-back, review, approval."""
    with override_settings(TEMPORAL_SEARCH_ATTRIBUTES=False):
        cr = start_report(temporal)
    assert submissions.submit(cr, s.TESTER_REVIEW, cr.tester, review_payload(cr), "r1").status == 200
    helpers.wait_for_awaiting(temporal, cr, s.REPORT_OWNER_APPROVAL)
    back = {"approved": False, "comments": "Keep the rate in scope"}
    assert submissions.submit(cr, s.REPORT_OWNER_APPROVAL, cr.report_owner, back, "o1").status == 200
    helpers.wait_for_awaiting(temporal, cr, s.TESTER_REVIEW)
    again = review_payload(cr, flip_first_non_key=False)
    assert submissions.submit(cr, s.TESTER_REVIEW, cr.tester, again, "r2").status == 200
    helpers.wait_for_awaiting(temporal, cr, s.REPORT_OWNER_APPROVAL)
    assert submissions.submit(cr, s.REPORT_OWNER_APPROVAL, cr.report_owner, {"approved": True, "comments": ""}, "o2").status == 200
    helpers.through_sampling(temporal, cr)
    return cr


SCENARIOS = {
    "approved_first_time": approved_first_time,
    "rejection_round": rejection_round,
    "escalation": escalation,
    "reassignment": reassignment,
    "no_search_attributes": no_search_attributes,
}


def history_json(temporal, cr) -> str:
    handle = temporal.env.client.get_workflow_handle(cr.expected_workflow_id)
    history = temporal.run(handle.fetch_history())
    # Indented so that a diff of a re-recorded fixture is readable.
    return json.dumps(json.loads(history.to_json()), indent=1)


def activity_calls(history) -> list[dict]:
    """Every activity a run called, in order, whether scheduled through the
    server or run locally by the worker (a `core_local_activity` marker):
    its type, input, attempt, and the workflow task that asked for it."""
    calls = []
    for e in history.events:
        if e.HasField("activity_task_scheduled_event_attributes"):
            a = e.activity_task_scheduled_event_attributes
            calls.append(dict(
                type=a.activity_type.name, local=False, asked_by=a.workflow_task_completed_event_id,
                input=json.loads(a.input.payloads[0].data) if a.input.payloads else None, attempt=None,
                scheduled_event_id=e.event_id,
            ))
        elif e.HasField("activity_task_started_event_attributes"):
            started = e.activity_task_started_event_attributes
            for call in calls:
                if not call["local"] and call["scheduled_event_id"] == started.scheduled_event_id:
                    call["attempt"] = started.attempt
        elif e.HasField("marker_recorded_event_attributes") and e.marker_recorded_event_attributes.marker_name == LOCAL_ACTIVITY_MARKER:
            m = e.marker_recorded_event_attributes
            data = json.loads(m.details["data"].payloads[0].data)
            calls.append(dict(
                type=data["activity_type"], local=True, asked_by=m.workflow_task_completed_event_id,
                input=None, attempt=data["attempt"], scheduled_event_id=None,
            ))
    return calls


LOCAL_ACTIVITY_MARKER = "core_local_activity"


def fixtures(directory: Path = HISTORIES) -> list[Path]:
    return sorted(directory.glob("*.json"))


def replay(workflow_class, path: Path):
    """Replay a recorded history with `workflow_class`; a nondeterminism
    error (the code issues other commands than recorded) is raised."""
    history = WorkflowHistory.from_json(path.stem, json.loads(path.read_text()))
    return asyncio.run(Replayer(workflows=[workflow_class]).replay_workflow(history))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def pinned(directory: Path = HISTORIES) -> dict[str, str]:
    """{file name: SHA-256} from SHA256SUMS (`sha256sum` format, so that
    `cd tests/histories && sha256sum -c SHA256SUMS` checks them too)."""
    sums = directory / CHECKSUMS_NAME
    if not sums.exists():
        return {}
    found = {}
    for line in sums.read_text().splitlines():
        if line.strip():
            digest, name = line.split(maxsplit=1)
            found[name.lstrip("*")] = digest
    return found


class AlreadyRecorded(Exception):
    pass


def refusal(name: str, directory: Path = HISTORIES) -> str | None:
    """Why `name` cannot be recorded, or None."""
    if (directory / name).exists() or name in pinned(directory):
        return (
            f"{directory / name} is already recorded (and pinned in {CHECKSUMS_NAME}); a recorded history "
            "is never overwritten, because it stands for runs already in flight. Record the current code "
            "under a new version tag (RECORD_WORKFLOW_HISTORIES=v<N+1>), or a new scenario alone with "
            '-k "fresh_run and <scenario>". If the file was changed by mistake, restore it: git checkout -- tests/histories'
        )
    return None


def keep(text: str, name: str, directory: Path = HISTORIES) -> Path:
    """Write a new fixture and pin its checksum; refuse to replace one."""
    problem = refusal(name, directory)
    if problem:
        raise AlreadyRecorded(problem)
    directory.mkdir(exist_ok=True)
    path = directory / name
    try:
        with path.open("xb") as f:  # exclusive: never replaces a file
            f.write(text.encode())
    except FileExistsError:
        raise AlreadyRecorded(refusal(name, directory)) from None
    sums = {**pinned(directory), name: sha256(path)}
    (directory / CHECKSUMS_NAME).write_text("".join(f"{d}  {n}\n" for n, d in sorted(sums.items())))
    return path
