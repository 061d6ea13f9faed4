"""Inputs, outputs and messages of TestCycleWorkflow that belong to no phase,
and the references to the activities of the human side.

Plain dataclasses and constants only: the workflow sandbox imports this
module, so it must never import Django. Each phase's own messages and
activities are declared in the phase app (e.g. scoping/workflow_steps.py)."""

from dataclasses import dataclass, field
from typing import Optional

from .human_steps import ActivityRef, ApprovalSubmission

WORKFLOW_NAME = "TestCycleWorkflow"

NOT_STARTED = "not_started"
IN_PROGRESS = "in_progress"
COMPLETED = "completed"

# Error types a validator raises; the edge maps them to HTTP answers.
ERR_NOT_AWAITING = "NotAwaiting"  # 409
ERR_ALREADY_RECEIVED = "AlreadyReceived"  # 409: another submission for the step came first
ERR_NOT_ASSIGNEE = "NotAssignee"  # 403
ERR_SEPARATION_OF_DUTIES = "SeparationOfDuties"  # 403
ERR_INVALID = "InvalidSubmission"  # 400

# Custom search attributes, registered on the cluster (see README).
SA_AWAITING_ACTION = "AwaitingAction"
SA_AWAITING_ASSIGNEE = "AwaitingAssignee"
SA_AWAITING_SINCE = "AwaitingSince"


# workflow.patched ids: one per change to the workflow's command sequence,
# kept until no run older than the change can be replayed (see
# docs/workflow-changes.md).
PATCH_NOTIFY_PHASE_COMPLETED = "notify-manager-on-phase-completed"
# The phase mechanism: phases in order, each human step opened by the human
# side's generic activity and applied by the step's own. Runs started before
# it (Scoping only, two-mode step activities) replay on their old path.
PATCH_PHASE_MECHANISM = "phases-through-the-human-step-mechanism"
# Runs started before the phase mechanism go on to the phases after Scoping
# once their Scoping completes.
PATCH_LEGACY_RUNS_CONTINUE = "runs-before-phases-continue-after-scoping"
# Short database activities (ActivityRef.local) run as local activities;
# runs begun before keep scheduling them as ordinary activities.
PATCH_LOCAL_ACTIVITIES = "short-database-activities-run-locally"
# The Evidence phase after Sample Selection: runs that completed (or were
# replayed to completion) before it existed replay without it.
PATCH_EVIDENCE_PHASE = "evidence-phase-after-sample-selection"


def workflow_id_for(cycle_id: int, report_id: int) -> str:
    return f"test-cycle-{cycle_id}-report-{report_id}"


@dataclass
class TestCycleInput:
    __test__ = False

    cycle_id: int
    report_id: int
    cycle_report_id: int
    use_search_attributes: bool = True
    started_by: str = ""  # username, for the timeline; "" for runs started before it existed


@dataclass
class PhaseRequest:
    cycle_report_id: int
    workflow_id: str
    run_id: str
    phase: str = "Scoping"  # runs before the phase mechanism had only Scoping


@dataclass
class OpenTask:
    """Open (or find again, on a retry) the task of a human step."""

    cycle_report_id: int
    workflow_id: str
    run_id: str
    kind: str
    round: int
    context: dict = field(default_factory=dict)


@dataclass
class TaskTerms:
    """An open task as the workflow needs it: who, until when, who may not
    act (separation of duties), and the rules its submissions must follow."""

    task_id: int
    assignee: str
    due_at: str  # ISO 8601, UTC
    remind_every_seconds: int
    barred: list[str] = field(default_factory=list)
    rules: dict = field(default_factory=dict)
    # Reminders before only the escalation continues; 0: no limit (runs
    # before the limit existed).
    max_reminders: int = 0


@dataclass
class Applying:
    """What every step's apply activity is told besides the submission."""

    cycle_report_id: int
    workflow_id: str
    run_id: str
    task_id: int
    round: int


@dataclass
class ApplyApproval(Applying):
    submission: ApprovalSubmission


@dataclass
class TaskEvent:
    """Reminder or escalation of an open human task."""

    task_id: int
    workflow_id: str
    run_id: str


@dataclass
class RefusedMessage:
    cycle_report_id: int
    workflow_id: str
    run_id: str
    kind: str
    submission_id: str
    submitted_by: str
    on_behalf_of: str
    reason: str


@dataclass
class Reassign:
    kind: str
    task_id: int
    new_assignee: str
    reassigned_by: str
    reason: str = ""


@dataclass
class TestCycleOutcome:
    __test__ = False

    cycle_report_id: int
    phases: dict[str, str] = field(default_factory=dict)  # phase -> status


# --- The human side's activities (implemented in reviews/activities.py) ------

START_PHASE = ActivityRef("start_phase_activity", PhaseRequest, local=True)
COMPLETE_PHASE = ActivityRef("complete_phase_activity", PhaseRequest, local=True)
OPEN_TASK = ActivityRef("open_human_task_activity", OpenTask, TaskTerms, local=True)
# Reminders, escalations and refusals are rare; as ordinary activities
# their inputs stay in the history for whoever reads it.
SEND_REMINDER = ActivityRef("send_task_reminder_activity", TaskEvent)
ESCALATE = ActivityRef("escalate_task_activity", TaskEvent)
RECORD_REFUSED = ActivityRef("record_refused_message_activity", RefusedMessage)
