"""How runs started before the phase mechanism do their Scoping.

Those runs (workflow code up to the v2 histories in tests/histories/) opened
and applied each human step with one two-mode activity per step
(`tester_review_attributes_activity`, `report_owner_approval_activity`,
answering a StepOutcome), and started and completed the phase with
activities of its own. Their histories must replay command for command, so
while any of them may still be open the workflow takes this path for them
(`workflow.patched(PATCH_PHASE_MECHANISM)` is false on replay), and the
activities below stay registered (scoping/legacy_activities.py).

Remove with the patch, when no run started before it is open
(docs/workflow-changes.md). Django-free: the workflow imports it."""

from dataclasses import dataclass, field
from typing import Any, Optional

from temporalio import workflow

from cycles.human_steps import DB_ACTIVITY, ApprovalApplied, ApprovalSubmission, StepSpec
from cycles.workflow_types import PATCH_NOTIFY_PHASE_COMPLETED, PhaseRequest, TaskTerms

from .workflow_steps import REPORT_OWNER_APPROVAL, TESTER_REVIEW, ReviewApplied, TesterReviewSubmission

START = "start_scoping_phase_activity"
COMPLETE = "complete_scoping_phase_activity"
NOTIFY = "notify_phase_completed_activity"
STEP_ACTIVITY = {TESTER_REVIEW: "tester_review_attributes_activity", REPORT_OWNER_APPROVAL: "report_owner_approval_activity"}


@dataclass
class AttributeRule:
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
    submission: Optional[ApprovalSubmission] = None


@dataclass
class StepOutcome:
    """Called without a submission: status "awaiting" and the task's terms.
    Called with one: "accepted" (persisted) or "refused" (with a reason)."""

    status: str
    task_id: int = 0
    assignee: str = ""
    due_at: str = ""
    remind_every_seconds: int = 0
    attributes: list[AttributeRule] = field(default_factory=list)
    reviewer: str = ""
    barred: list[str] = field(default_factory=list)
    version: int = 0
    overrides: int = 0
    requires_report_owner_approval: bool = True
    approved: bool = False
    comments: str = ""
    reason: str = ""


class Refused(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _request(step: StepSpec, ids: dict, round_no: int, submission: Any):
    kind = TesterReviewRequest if step.kind == TESTER_REVIEW else OwnerApprovalRequest
    return kind(**ids, round=round_no, submission=submission)


async def start(phase: PhaseRequest) -> None:
    await workflow.execute_activity(START, phase, **DB_ACTIVITY)


async def open_step(step: StepSpec, ids: dict, round_no: int) -> TaskTerms:
    opened: StepOutcome = await workflow.execute_activity(
        STEP_ACTIVITY[step.kind], _request(step, ids, round_no, None), result_type=StepOutcome, **DB_ACTIVITY
    )
    barred = set(opened.barred) | ({opened.reviewer} if opened.reviewer else set())
    return TaskTerms(
        task_id=opened.task_id,
        assignee=opened.assignee,
        due_at=opened.due_at,
        remind_every_seconds=opened.remind_every_seconds,
        barred=sorted(barred),
        rules={"attributes": [[a.attribute_id, a.recommended_include, a.is_primary_key] for a in opened.attributes]},
    )


async def apply_step(step: StepSpec, ids: dict, round_no: int, submission: Any):
    """The step's result as the new activities answer it; Refused when the
    database's checks refused the submission."""
    outcome: StepOutcome = await workflow.execute_activity(
        STEP_ACTIVITY[step.kind], _request(step, ids, round_no, submission), result_type=StepOutcome, **DB_ACTIVITY
    )
    if outcome.status != "accepted":
        raise Refused(outcome.reason or "refused")
    if step.kind == TESTER_REVIEW:
        return ReviewApplied(outcome.version, outcome.overrides, outcome.requires_report_owner_approval)
    return ApprovalApplied(outcome.version, outcome.approved, outcome.comments)


async def complete(phase: PhaseRequest) -> None:
    await workflow.execute_activity(COMPLETE, phase, **DB_ACTIVITY)
    if workflow.patched(PATCH_NOTIFY_PHASE_COMPLETED):
        await workflow.execute_activity(NOTIFY, phase, **DB_ACTIVITY)
