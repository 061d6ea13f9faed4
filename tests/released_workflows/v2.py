"""TestCycleWorkflow as released in version v2 (the code that recorded
tests/histories/*-v2.json), frozen for tests/test_workflow_upgrade.py.

DO NOT EDIT, and do not import from the project: this file stands for the
code of workers already deployed, whose runs the current code must finish.
It is a self-contained copy of cycles/test_cycle_workflow.py with the parts
of cycles/workflow_types.py and scoping/decision_rules.py it uses, so later
changes to those modules do not change it. It registers under the same
workflow type name and calls the same activities with payloads of the same
shape as the real code did. How to freeze the next release:
tests/released_workflows/__init__.py."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable, Iterable, Mapping, Optional

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey
from temporalio.exceptions import ApplicationError

VERSION = "v2"

# --- from cycles/workflow_types.py -------------------------------------------

WORKFLOW_NAME = "TestCycleWorkflow"

SCOPING = "Scoping"
PHASES = (SCOPING,)

TESTER_REVIEW = "tester_review"
REPORT_OWNER_APPROVAL = "report_owner_approval"

NOT_STARTED = "not_started"
IN_PROGRESS = "in_progress"
COMPLETED = "completed"

ERR_NOT_AWAITING = "NotAwaiting"  # 409
ERR_NOT_ASSIGNEE = "NotAssignee"  # 403
ERR_SEPARATION_OF_DUTIES = "SeparationOfDuties"  # 403
ERR_INVALID = "InvalidSubmission"  # 400

SA_AWAITING_ACTION = "AwaitingAction"
SA_AWAITING_ASSIGNEE = "AwaitingAssignee"
SA_AWAITING_SINCE = "AwaitingSince"


PATCH_NOTIFY_PHASE_COMPLETED = "notify-manager-on-phase-completed"

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


# --- from scoping/decision_rules.py -------------------------------------------

MAX_RATIONALE = 4000


def problems(rules: Mapping[int, AttributeRule], decisions: Iterable) -> list[tuple[Optional[int], str]]:
    """(attribute_id or None, message) for every broken rule.

    `decisions` are objects with attribute_id, include and rationale."""
    found: list[tuple[Optional[int], str]] = []
    seen: set[int] = set()
    for d in decisions:
        rule = rules.get(d.attribute_id)
        if rule is None:
            found.append((None, f"attribute {d.attribute_id} is not an attribute of this report"))
            continue
        if d.attribute_id in seen:
            found.append((d.attribute_id, "decided more than once"))
        seen.add(d.attribute_id)
        if rule.is_primary_key and not d.include:
            found.append((d.attribute_id, "a primary-key attribute is always in scope"))
        if d.include != rule.recommended_include and not (d.rationale or "").strip():
            found.append((d.attribute_id, "a rationale is required when overriding the recommendation"))
        if len(d.rationale or "") > MAX_RATIONALE:
            found.append((d.attribute_id, f"the rationale is longer than {MAX_RATIONALE} characters"))
    missing = sorted(set(rules) - seen)
    if missing:
        shown = ", ".join(str(m) for m in missing[:20]) + (" …" if len(missing) > 20 else "")
        found.append((None, f"a decision is required for every attribute; missing: {shown}"))
    return found


# --- from cycles/test_cycle_workflow.py ----------------------------------------


DB_ACTIVITY = dict(
    start_to_close_timeout=timedelta(seconds=60),
    retry_policy=RetryPolicy(
        initial_interval=timedelta(seconds=1),
        backoff_coefficient=2.0,
        maximum_interval=timedelta(seconds=60),
        non_retryable_error_types=["InvalidSubmission"],
    ),
)
# Recommendations may call an LLM provider: slower, fewer attempts.
RECOMMENDER_ACTIVITY = dict(
    start_to_close_timeout=timedelta(minutes=10),
    heartbeat_timeout=None,
    retry_policy=RetryPolicy(
        initial_interval=timedelta(seconds=5),
        maximum_interval=timedelta(minutes=5),
        maximum_attempts=10,
    ),
)

AWAITING_ACTION = SearchAttributeKey.for_keyword(SA_AWAITING_ACTION)
AWAITING_ASSIGNEE = SearchAttributeKey.for_keyword(SA_AWAITING_ASSIGNEE)
AWAITING_SINCE = SearchAttributeKey.for_datetime(SA_AWAITING_SINCE)


@dataclass
class _Awaiting:
    kind: str
    task_id: int
    assignee: str
    since: datetime
    due_at: datetime
    round: int
    attributes: dict[int, AttributeRule]
    reviewer: str
    escalated: bool = False
    received: Any = None  # the accepted submission, until applied


def _refuse(kind: str, message: str) -> ApplicationError:
    return ApplicationError(message, type=kind, non_retryable=True)


@workflow.defn(name=WORKFLOW_NAME)
class TestCycleWorkflow:
    __test__ = False

    def __init__(self) -> None:
        self._input: Optional[TestCycleInput] = None
        self._progress = {phase: NOT_STARTED for phase in PHASES}
        self._awaiting: Optional[_Awaiting] = None
        self._results: dict[str, dict] = {}
        self._seen_signals: set[str] = set()
        self._refused: list[dict] = []
        self._versions = 0

    # --- run ---------------------------------------------------------------

    @workflow.run
    async def run(self, inp: TestCycleInput) -> ScopingOutcome:
        self._input = inp
        phase = self._phase_request()
        self._progress[SCOPING] = IN_PROGRESS
        await workflow.execute_activity("start_scoping_phase_activity", phase, **DB_ACTIVITY)
        await workflow.execute_activity(
            "generate_llm_recommendations_activity", phase, **RECOMMENDER_ACTIVITY
        )
        round_no = 1
        owner_comments = ""
        while True:
            review = await self._human_step(
                TESTER_REVIEW,
                "tester_review_attributes_activity",
                lambda sub, r=round_no, c=owner_comments: TesterReviewRequest(
                    **self._ids(), round=r, submission=sub, owner_comments=c
                ),
                round_no,
            )
            self._versions = review.version
            if not review.requires_report_owner_approval:
                approved_version = review.version
                break
            approval = await self._human_step(
                REPORT_OWNER_APPROVAL,
                "report_owner_approval_activity",
                lambda sub, r=round_no: OwnerApprovalRequest(**self._ids(), round=r, submission=sub),
                round_no,
            )
            if approval.approved:
                approved_version = review.version
                break
            owner_comments = approval.comments
            round_no += 1
        await workflow.execute_activity("complete_scoping_phase_activity", phase, **DB_ACTIVITY)
        self._progress[SCOPING] = COMPLETED
        await self._after_phase_completed(phase)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return ScopingOutcome(
            cycle_report_id=inp.cycle_report_id, versions=self._versions, approved_version=approved_version
        )

    async def _after_phase_completed(self, phase: PhaseRequest) -> None:
        # Added while runs were already waiting for people: runs that passed
        # this point before the change have no marker in their history and
        # replay without the activity. Lifecycle: docs/workflow-changes.md.
        if workflow.patched(PATCH_NOTIFY_PHASE_COMPLETED):
            await workflow.execute_activity("notify_phase_completed_activity", phase, **DB_ACTIVITY)

    async def _human_step(
        self, kind: str, activity: str, request: Callable[[Any], Any], round_no: int
    ) -> StepOutcome:
        """The one human-in-the-loop pattern: open the task, wait for the
        person (reminding, then escalating at the due date), apply."""
        opened: StepOutcome = await workflow.execute_activity(
            activity, request(None), result_type=StepOutcome, **DB_ACTIVITY
        )
        self._awaiting = _Awaiting(
            kind=kind,
            task_id=opened.task_id,
            assignee=opened.assignee,
            since=workflow.now(),
            due_at=datetime.fromisoformat(opened.due_at),
            round=round_no,
            attributes={a.attribute_id: a for a in opened.attributes},
            reviewer=opened.reviewer,
        )
        self._publish_search_attributes()
        remind_every = timedelta(seconds=max(1, opened.remind_every_seconds))
        next_reminder = workflow.now() + remind_every
        while True:
            awaiting = self._awaiting
            wake_at = next_reminder if awaiting.escalated else min(next_reminder, awaiting.due_at)
            timeout = max(wake_at - workflow.now(), timedelta(0))
            try:
                await workflow.wait_condition(lambda: awaiting.received is not None, timeout=timeout)
            except asyncio.TimeoutError:
                now = workflow.now()
                event = TaskEvent(task_id=awaiting.task_id, **self._run_ids())
                if not awaiting.escalated and now >= awaiting.due_at:
                    await workflow.execute_activity("escalate_task_activity", event, **DB_ACTIVITY)
                    awaiting.escalated = True
                if now >= next_reminder:
                    await workflow.execute_activity("send_task_reminder_activity", event, **DB_ACTIVITY)
                    while next_reminder <= now:
                        next_reminder += remind_every
                continue
            submission = awaiting.received
            outcome: StepOutcome = await workflow.execute_activity(
                activity, request(submission), result_type=StepOutcome, **DB_ACTIVITY
            )
            self._results[submission.submission_id] = {
                "status": outcome.status,
                "version": outcome.version,
                "reason": outcome.reason,
            }
            if outcome.status == "accepted":
                self._awaiting = None
                self._publish_search_attributes()
                return outcome
            # Refused by the database's own checks: keep waiting for a valid one.
            awaiting.received = None

    # --- messages -----------------------------------------------------------

    @workflow.update
    async def submit_tester_review(self, submission: TesterReviewSubmission) -> dict:
        return await self._accept(submission)

    @submit_tester_review.validator
    def _validate_tester_review_update(self, submission: TesterReviewSubmission) -> None:
        self._validate_tester_review(submission)

    @workflow.update
    async def submit_report_owner_approval(self, submission: OwnerApprovalSubmission) -> dict:
        return await self._accept(submission)

    @submit_report_owner_approval.validator
    def _validate_owner_approval_update(self, submission: OwnerApprovalSubmission) -> None:
        self._validate_owner_approval(submission)

    @workflow.signal
    async def tester_review_signal(self, submission: TesterReviewSubmission) -> None:
        await self._accept_signal(TESTER_REVIEW, submission, self._validate_tester_review)

    @workflow.signal
    async def report_owner_approval_signal(self, submission: OwnerApprovalSubmission) -> None:
        await self._accept_signal(REPORT_OWNER_APPROVAL, submission, self._validate_owner_approval)

    @workflow.signal
    def reassign_task_signal(self, change: Reassign) -> None:
        awaiting = self._awaiting
        if awaiting is None or awaiting.kind != change.kind or awaiting.task_id != change.task_id:
            return  # the step is over: nothing to reassign
        awaiting.assignee = change.new_assignee
        self._publish_search_attributes()

    @workflow.query
    def get_current_phase_status(self) -> dict:
        awaiting = self._awaiting
        return {
            "current_phase": SCOPING,
            "awaiting_action": awaiting.kind if awaiting else None,
            "assignee": awaiting.assignee if awaiting else None,
            "awaiting_since": awaiting.since.isoformat() if awaiting else None,
            "due_at": awaiting.due_at.isoformat() if awaiting else None,
            "escalated": awaiting.escalated if awaiting else False,
            "round": awaiting.round if awaiting else None,
            "phase_progress": dict(self._progress),
            "refused_messages": len(self._refused),
        }

    @workflow.query
    def get_awaiting_action(self) -> Optional[dict]:
        awaiting = self._awaiting
        if awaiting is None:
            return None
        return {
            "action": awaiting.kind,
            "assignee": awaiting.assignee,
            "task_id": awaiting.task_id,
            "since": awaiting.since.isoformat(),
            "due_at": awaiting.due_at.isoformat(),
            "escalated": awaiting.escalated,
        }

    # --- validation (shared by updates and signals) ------------------------

    def _awaiting_step(self, kind: str, submission: Any) -> _Awaiting:
        awaiting = self._awaiting
        if awaiting is None or awaiting.kind != kind:
            raise _refuse(ERR_NOT_AWAITING, f"this report is not awaiting a {kind.replace('_', ' ')}")
        if awaiting.received is not None:
            raise _refuse(ERR_NOT_AWAITING, "another submission for this step was accepted first")
        if submission.on_behalf_of != awaiting.assignee:
            raise _refuse(
                ERR_NOT_ASSIGNEE,
                f"this step is assigned to {awaiting.assignee}, not {submission.on_behalf_of}",
            )
        return awaiting

    def _validate_tester_review(self, submission: TesterReviewSubmission) -> None:
        awaiting = self._awaiting_step(TESTER_REVIEW, submission)
        found = problems(awaiting.attributes, submission.decisions)
        if found:
            messages = [f"attribute {a}: {m}" if a is not None else m for a, m in found[:20]]
            raise _refuse(ERR_INVALID, "; ".join(messages))

    def _validate_owner_approval(self, submission: OwnerApprovalSubmission) -> None:
        awaiting = self._awaiting_step(REPORT_OWNER_APPROVAL, submission)
        if awaiting.reviewer and awaiting.reviewer in (submission.submitted_by, submission.on_behalf_of):
            raise _refuse(
                ERR_SEPARATION_OF_DUTIES,
                f"{awaiting.reviewer} submitted this review and cannot approve it",
            )
        if not submission.approved and not submission.comments.strip():
            raise _refuse(ERR_INVALID, "comments are required when requesting changes")

    async def _accept(self, submission: Any) -> dict:
        awaiting = self._awaiting
        awaiting.received = submission
        # Answer only once the activity has persisted it: the person is told
        # their work is saved, with its version.
        await workflow.wait_condition(lambda: submission.submission_id in self._results)
        return self._results[submission.submission_id]

    async def _accept_signal(self, kind: str, submission: Any, validate: Callable[[Any], None]) -> None:
        if submission.submission_id in self._seen_signals or submission.submission_id in self._results:
            return  # a re-sent signal: already handled
        self._seen_signals.add(submission.submission_id)
        try:
            validate(submission)
        except ApplicationError as refusal:
            self._refused.append({"submission_id": submission.submission_id, "reason": str(refusal)})
            await workflow.execute_activity(
                "record_refused_message_activity",
                RefusedMessage(
                    cycle_report_id=self._input.cycle_report_id,
                    **self._run_ids(),
                    kind=kind,
                    submission_id=submission.submission_id,
                    submitted_by=submission.submitted_by,
                    on_behalf_of=submission.on_behalf_of,
                    reason=str(refusal),
                ),
                **DB_ACTIVITY,
            )
            return
        self._awaiting.received = submission

    # --- helpers ----------------------------------------------------------------

    def _run_ids(self) -> dict:
        info = workflow.info()
        return {"workflow_id": info.workflow_id, "run_id": info.run_id}

    def _ids(self) -> dict:
        return {"cycle_report_id": self._input.cycle_report_id, **self._run_ids()}

    def _phase_request(self) -> PhaseRequest:
        return PhaseRequest(**self._ids())

    def _publish_search_attributes(self) -> None:
        if not self._input.use_search_attributes:
            return
        awaiting = self._awaiting
        if awaiting is None:
            workflow.upsert_search_attributes(
                [AWAITING_ACTION.value_unset(), AWAITING_ASSIGNEE.value_unset(), AWAITING_SINCE.value_unset()]
            )
        else:
            workflow.upsert_search_attributes(
                [
                    AWAITING_ACTION.value_set(awaiting.kind),
                    AWAITING_ASSIGNEE.value_set(awaiting.assignee),
                    AWAITING_SINCE.value_set(awaiting.since),
                ]
            )
