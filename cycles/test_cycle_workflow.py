"""TestCycleWorkflow: one per report in a cycle; runs the Scoping phase with
a tester review and a report-owner approval, people in the loop.

Deterministic: no Django, no I/O, time from workflow.now(). Activities (by
name) do every read and write."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, Optional

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from cycles import workflow_types as t
    from scoping import decision_rules

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
    heartbeat_timeout=timedelta(minutes=1),
    retry_policy=RetryPolicy(
        initial_interval=timedelta(seconds=5),
        maximum_interval=timedelta(minutes=5),
        maximum_attempts=10,
    ),
)

AWAITING_ACTION = SearchAttributeKey.for_keyword(t.SA_AWAITING_ACTION)
AWAITING_ASSIGNEE = SearchAttributeKey.for_keyword(t.SA_AWAITING_ASSIGNEE)
AWAITING_SINCE = SearchAttributeKey.for_datetime(t.SA_AWAITING_SINCE)


@dataclass
class _Awaiting:
    kind: str
    task_id: int
    assignee: str
    since: datetime
    due_at: datetime
    round: int
    attributes: dict[int, t.AttributeRule]
    reviewer: str
    escalated: bool = False
    received: Any = None  # the accepted submission, until applied


def _refuse(kind: str, message: str) -> ApplicationError:
    return ApplicationError(message, type=kind, non_retryable=True)


@workflow.defn(name=t.WORKFLOW_NAME)
class TestCycleWorkflow:
    __test__ = False

    def __init__(self) -> None:
        self._input: Optional[t.TestCycleInput] = None
        self._progress = {phase: t.NOT_STARTED for phase in t.PHASES}
        self._awaiting: Optional[_Awaiting] = None
        self._results: dict[str, dict] = {}
        self._seen_signals: set[str] = set()
        self._refused: list[dict] = []
        self._versions = 0

    # --- run ---------------------------------------------------------------

    @workflow.run
    async def run(self, inp: t.TestCycleInput) -> t.ScopingOutcome:
        self._input = inp
        phase = self._phase_request()
        self._progress[t.SCOPING] = t.IN_PROGRESS
        await workflow.execute_activity("start_scoping_phase_activity", phase, **DB_ACTIVITY)
        await workflow.execute_activity(
            "generate_llm_recommendations_activity", phase, **RECOMMENDER_ACTIVITY
        )
        round_no = 1
        owner_comments = ""
        while True:
            review = await self._human_step(
                t.TESTER_REVIEW,
                "tester_review_attributes_activity",
                lambda sub, r=round_no, c=owner_comments: t.TesterReviewRequest(
                    **self._ids(), round=r, submission=sub, owner_comments=c
                ),
                round_no,
            )
            self._versions = review.version
            if not review.requires_report_owner_approval:
                approved_version = review.version
                break
            approval = await self._human_step(
                t.REPORT_OWNER_APPROVAL,
                "report_owner_approval_activity",
                lambda sub, r=round_no: t.OwnerApprovalRequest(**self._ids(), round=r, submission=sub),
                round_no,
            )
            if approval.approved:
                approved_version = review.version
                break
            owner_comments = approval.comments
            round_no += 1
        await workflow.execute_activity("complete_scoping_phase_activity", phase, **DB_ACTIVITY)
        self._progress[t.SCOPING] = t.COMPLETED
        await self._after_phase_completed(phase)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return t.ScopingOutcome(
            cycle_report_id=inp.cycle_report_id, versions=self._versions, approved_version=approved_version
        )

    async def _after_phase_completed(self, phase: t.PhaseRequest) -> None:
        # Added while runs were already waiting for people: runs that passed
        # this point before the change have no marker in their history and
        # replay without the activity. Lifecycle: docs/workflow-changes.md.
        if workflow.patched(t.PATCH_NOTIFY_PHASE_COMPLETED):
            await workflow.execute_activity("notify_phase_completed_activity", phase, **DB_ACTIVITY)

    async def _human_step(
        self, kind: str, activity: str, request: Callable[[Any], Any], round_no: int
    ) -> t.StepOutcome:
        """The one human-in-the-loop pattern: open the task, wait for the
        person (reminding, then escalating at the due date), apply."""
        opened: t.StepOutcome = await workflow.execute_activity(
            activity, request(None), result_type=t.StepOutcome, **DB_ACTIVITY
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
                event = t.TaskEvent(task_id=awaiting.task_id, **self._run_ids())
                if not awaiting.escalated and now >= awaiting.due_at:
                    await workflow.execute_activity("escalate_task_activity", event, **DB_ACTIVITY)
                    awaiting.escalated = True
                if now >= next_reminder:
                    await workflow.execute_activity("send_task_reminder_activity", event, **DB_ACTIVITY)
                    while next_reminder <= now:
                        next_reminder += remind_every
                continue
            submission = awaiting.received
            outcome: t.StepOutcome = await workflow.execute_activity(
                activity, request(submission), result_type=t.StepOutcome, **DB_ACTIVITY
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
    async def submit_tester_review(self, submission: t.TesterReviewSubmission) -> dict:
        return await self._accept(submission)

    @submit_tester_review.validator
    def _validate_tester_review_update(self, submission: t.TesterReviewSubmission) -> None:
        self._validate_tester_review(submission)

    @workflow.update
    async def submit_report_owner_approval(self, submission: t.OwnerApprovalSubmission) -> dict:
        return await self._accept(submission)

    @submit_report_owner_approval.validator
    def _validate_owner_approval_update(self, submission: t.OwnerApprovalSubmission) -> None:
        self._validate_owner_approval(submission)

    @workflow.signal
    async def tester_review_signal(self, submission: t.TesterReviewSubmission) -> None:
        await self._accept_signal(t.TESTER_REVIEW, submission, self._validate_tester_review)

    @workflow.signal
    async def report_owner_approval_signal(self, submission: t.OwnerApprovalSubmission) -> None:
        await self._accept_signal(t.REPORT_OWNER_APPROVAL, submission, self._validate_owner_approval)

    @workflow.signal
    def reassign_task_signal(self, change: t.Reassign) -> None:
        awaiting = self._awaiting
        if awaiting is None or awaiting.kind != change.kind or awaiting.task_id != change.task_id:
            return  # the step is over: nothing to reassign
        awaiting.assignee = change.new_assignee
        self._publish_search_attributes()

    @workflow.query
    def get_current_phase_status(self) -> dict:
        awaiting = self._awaiting
        return {
            "current_phase": t.SCOPING,
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
            raise _refuse(t.ERR_NOT_AWAITING, f"this report is not awaiting a {kind.replace('_', ' ')}")
        if awaiting.received is not None:
            raise _refuse(t.ERR_NOT_AWAITING, "another submission for this step was accepted first")
        if submission.on_behalf_of != awaiting.assignee:
            raise _refuse(
                t.ERR_NOT_ASSIGNEE,
                f"this step is assigned to {awaiting.assignee}, not {submission.on_behalf_of}",
            )
        return awaiting

    def _validate_tester_review(self, submission: t.TesterReviewSubmission) -> None:
        awaiting = self._awaiting_step(t.TESTER_REVIEW, submission)
        found = decision_rules.problems(awaiting.attributes, submission.decisions)
        if found:
            messages = [f"attribute {a}: {m}" if a is not None else m for a, m in found[:20]]
            raise _refuse(t.ERR_INVALID, "; ".join(messages))

    def _validate_owner_approval(self, submission: t.OwnerApprovalSubmission) -> None:
        awaiting = self._awaiting_step(t.REPORT_OWNER_APPROVAL, submission)
        if awaiting.reviewer and awaiting.reviewer in (submission.submitted_by, submission.on_behalf_of):
            raise _refuse(
                t.ERR_SEPARATION_OF_DUTIES,
                f"{awaiting.reviewer} submitted this review and cannot approve it",
            )
        if not submission.approved and not submission.comments.strip():
            raise _refuse(t.ERR_INVALID, "comments are required when requesting changes")

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
                t.RefusedMessage(
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

    def _phase_request(self) -> t.PhaseRequest:
        return t.PhaseRequest(**self._ids())

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
