"""Inputs, outputs and messages of TestCycleWorkflow.

Plain dataclasses and constants only: the workflow sandbox imports this
module, so it must never import Django."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

WORKFLOW_NAME = "TestCycleWorkflow"

SCOPING = "Scoping"
PHASES = (SCOPING,)

TESTER_REVIEW = "tester_review"
REPORT_OWNER_APPROVAL = "report_owner_approval"

NOT_STARTED = "not_started"
IN_PROGRESS = "in_progress"
COMPLETED = "completed"

# Error types a validator raises; views map them to HTTP answers.
ERR_NOT_AWAITING = "NotAwaiting"  # 409
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


def workflow_id_for(cycle_id: int, report_id: int) -> str:
    return f"test-cycle-{cycle_id}-report-{report_id}"


@dataclass
class TestCycleInput:
    __test__ = False

    cycle_id: int
    report_id: int
    cycle_report_id: int
    use_search_attributes: bool = True


@dataclass
class PhaseRequest:
    cycle_report_id: int
    workflow_id: str
    run_id: str


@dataclass
class Decision:
    attribute_id: int
    include: bool
    rationale: str = ""


@dataclass
class TesterReviewSubmission:
    submission_id: str
    submitted_by: str
    on_behalf_of: str
    decisions: list[Decision] = field(default_factory=list)


@dataclass
class OwnerApprovalSubmission:
    submission_id: str
    submitted_by: str
    on_behalf_of: str
    approved: bool
    comments: str = ""


@dataclass
class AttributeRule:
    """What the workflow needs to validate a review without a database."""

    attribute_id: int
    recommended_include: bool
    is_primary_key: bool


@dataclass
class TesterReviewRequest:
    cycle_report_id: int
    workflow_id: str
    run_id: str
    round: int
    submission: Optional[TesterReviewSubmission] = None
    owner_comments: str = ""


@dataclass
class OwnerApprovalRequest:
    cycle_report_id: int
    workflow_id: str
    run_id: str
    round: int
    submission: Optional[OwnerApprovalSubmission] = None


@dataclass
class StepOutcome:
    """Result of a human-step activity.

    Called without a submission: status "awaiting" and the task's terms.
    Called with one: "accepted" (persisted) or "refused" (with a reason)."""

    status: str
    task_id: int = 0
    assignee: str = ""
    due_at: str = ""  # ISO 8601, UTC
    remind_every_seconds: int = 0
    attributes: list[AttributeRule] = field(default_factory=list)
    reviewer: str = ""  # who submitted the reviewed version (separation of duties)
    # Everyone who may not act on this step: the reviewed version's submitter
    # and the person it was submitted for. Absent from results recorded
    # before it existed; `reviewer` alone then applies.
    barred: list[str] = field(default_factory=list)
    version: int = 0
    overrides: int = 0
    requires_report_owner_approval: bool = True
    approved: bool = False
    comments: str = ""
    reason: str = ""


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
class ScopingOutcome:
    cycle_report_id: int
    versions: int
    approved_version: int
