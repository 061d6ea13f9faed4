"""TestCycleWorkflow: one per report in a cycle. It runs the report's phases
in order (cycles/workflow_phases.py), and every human step of every phase
through one `_human_step`: open the task (assign, notify, due date), wait for
the person's Update (reminding, escalating at the due date), apply it in the
step's activity; a refusal keeps the step waiting.

Its Updates and signals come from the phases' step declarations: one Update
(and optionally a signal) per step, with a validator that refuses what the
step's forms and serializers refuse.

Deterministic: no Django, no I/O, time from workflow.now(). Activities do
every read and write."""
from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Optional

from temporalio import workflow
from temporalio.common import SearchAttributeKey
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from cycles import workflow_types as t
    from cycles.human_steps import REFUSED, ActivityRef, PhaseSpec, StepSpec
    from cycles.workflow_phases import BEFORE_PHASES, PHASE_PATCHES, PHASES

AWAITING_ACTION = SearchAttributeKey.for_keyword(t.SA_AWAITING_ACTION)
AWAITING_ASSIGNEE = SearchAttributeKey.for_keyword(t.SA_AWAITING_ASSIGNEE)
AWAITING_SINCE = SearchAttributeKey.for_datetime(t.SA_AWAITING_SINCE)


@dataclass
class _Awaiting:
    step: StepSpec
    task_id: int
    assignee: str
    since: datetime
    due_at: datetime
    round: int
    rules: Any  # the step's prepared rules
    barred: frozenset[str]  # separation of duties
    escalated: bool = False
    received: Any = None  # the accepted submission, until applied


class _Refused(Exception):
    """The step's apply activity refused the submission."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _refuse(kind: str, message: str) -> ApplicationError:
    return ApplicationError(message, type=kind, non_retryable=True)


def _with_step_handlers(cls):
    """An Update, with its validator, for each step of each phase, and a
    signal where the step declares one: the steps are declared by the phase
    apps, so the workflow names none of them."""
    for phase in PHASES:
        for step in phase.steps:
            _add_update(cls, step)
            if step.signal:
                _add_signal(cls, step)
    return cls


def _add_update(cls, step: StepSpec) -> None:
    async def handler(self, submission) -> dict:
        return await self._accept(submission)

    def validator(self, submission) -> None:
        self._validate(step, submission)

    for fn in (handler, validator):
        fn.__annotations__ = {"submission": step.message, "return": dict if fn is handler else None}
    handler.__name__ = handler.__qualname__ = f"_update_{step.kind}"
    update = workflow.update(name=step.update)(handler)
    update.validator(validator)
    setattr(cls, handler.__name__, update)


def _add_signal(cls, step: StepSpec) -> None:
    async def handler(self, submission) -> None:
        await self._accept_signal(step, submission)

    handler.__annotations__ = {"submission": step.message, "return": None}
    handler.__name__ = handler.__qualname__ = f"_signal_{step.kind}"
    setattr(cls, handler.__name__, workflow.signal(name=step.signal)(handler))


@workflow.defn(name=t.WORKFLOW_NAME)
@_with_step_handlers
class TestCycleWorkflow:
    __test__ = False

    def __init__(self) -> None:
        self._input: Optional[t.TestCycleInput] = None
        self._phase: Optional[str] = None
        self._progress = {phase.name: t.NOT_STARTED for phase in PHASES}
        self._awaiting: Optional[_Awaiting] = None
        self._results: dict[str, dict] = {}
        self._seen_signals: set[str] = set()
        self._refused: list[dict] = []
        # The adapter of the phase being run, for runs started before the
        # phase mechanism (workflow_phases.BEFORE_PHASES); None otherwise.
        self._legacy: Any = None
        self._local_activities: Optional[bool] = None

    # --- run ---------------------------------------------------------------

    @workflow.run
    async def run(self, inp: t.TestCycleInput) -> t.TestCycleOutcome:
        self._input = inp
        before_phases = not workflow.patched(t.PATCH_PHASE_MECHANISM)
        for phase in PHASES:
            legacy = BEFORE_PHASES.get(phase.name) if before_phases else None
            if before_phases and legacy is None:
                # Such a run did Scoping only; it goes on from here.
                if not workflow.patched(t.PATCH_LEGACY_RUNS_CONTINUE):
                    break
                before_phases = False
            patch = PHASE_PATCHES.get(phase.name)
            if patch and not workflow.patched(patch):
                # Replaying a run that completed before this phase existed.
                self._progress.pop(phase.name, None)
                break
            await self._run_phase(phase, legacy)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return t.TestCycleOutcome(cycle_report_id=inp.cycle_report_id, phases=dict(self._progress))

    async def _run_phase(self, phase: PhaseSpec, legacy: Any) -> None:
        self._phase, self._legacy = phase.name, legacy
        request = self.phase_request()
        self._progress[phase.name] = t.IN_PROGRESS
        if legacy:
            await legacy.start(request)
        else:
            await self.activity(t.START_PHASE, request)
        await phase.run(self)
        if legacy:
            await legacy.complete(request)
        else:
            await self.activity(t.COMPLETE_PHASE, request)
        self._progress[phase.name] = t.COMPLETED
        self._legacy = None

    # --- what a phase's flow may do (cycles.human_steps.PhaseContext) -------

    def phase_request(self) -> t.PhaseRequest:
        return t.PhaseRequest(**self._ids(), phase=self._phase or "")

    async def activity(self, ref: ActivityRef, arg: Any) -> Any:
        if ref.local and self._runs_activities_locally():
            return await workflow.execute_local_activity(ref.name, arg, result_type=ref.output, **ref.options)
        return await workflow.execute_activity(ref.name, arg, result_type=ref.output, **ref.options)

    def _runs_activities_locally(self) -> bool:
        # Asked once, at the first such call: a run whose history predates
        # the patch keeps scheduling ordinary activities to its end.
        if self._local_activities is None:
            self._local_activities = workflow.patched(t.PATCH_LOCAL_ACTIVITIES)
        return self._local_activities

    async def human_step(self, step: StepSpec, round_no: int, context: Optional[dict] = None) -> Any:
        """The one human-in-the-loop pattern: open the task, wait for the
        person (reminding, then escalating at the due date), apply."""
        ids = self._ids()
        legacy = self._legacy
        if legacy:
            terms = await legacy.open_step(step, ids, round_no)
        else:
            terms = await self.activity(
                t.OPEN_TASK, t.OpenTask(**ids, kind=step.kind, round=round_no, context=context or {})
            )
        awaiting = _Awaiting(
            step=step,
            task_id=terms.task_id,
            assignee=terms.assignee,
            since=workflow.now(),
            due_at=datetime.fromisoformat(terms.due_at),
            round=round_no,
            rules=step.prepare(terms.rules),
            barred=frozenset(terms.barred),
        )
        self._awaiting = awaiting
        self._publish_search_attributes()
        remind_every = timedelta(seconds=max(1, terms.remind_every_seconds))
        next_reminder = workflow.now() + remind_every
        reminders = 0
        while True:
            # After max_reminders reminders only the escalation is left to
            # wait for (0: no limit, as for runs before the limit existed).
            reminding = not terms.max_reminders or reminders < terms.max_reminders
            wake_ats = ([next_reminder] if reminding else []) + ([] if awaiting.escalated else [awaiting.due_at])
            timeout = max(min(wake_ats) - workflow.now(), timedelta(0)) if wake_ats else None
            try:
                await workflow.wait_condition(lambda: awaiting.received is not None, timeout=timeout)
            except asyncio.TimeoutError:
                now = workflow.now()
                event = t.TaskEvent(task_id=awaiting.task_id, **self._run_ids())
                if not awaiting.escalated and now >= awaiting.due_at:
                    await self.activity(t.ESCALATE, event)
                    awaiting.escalated = True
                if reminding and now >= next_reminder:
                    await self.activity(t.SEND_REMINDER, event)
                    reminders += 1
                    while next_reminder <= now:
                        next_reminder += remind_every
                continue
            submission = awaiting.received
            try:
                result = await self._apply(step, ids, round_no, awaiting.task_id, submission)
            except _Refused as refusal:
                # Refused by the database's own checks: keep waiting for a valid one.
                self._results[submission.submission_id] = {"status": "refused", "version": 0, "reason": refusal.reason}
                awaiting.received = None
                continue
            self._results[submission.submission_id] = {"status": "accepted", "reason": "", **dataclasses.asdict(result)}
            self._awaiting = None
            self._publish_search_attributes()
            return result

    async def _apply(self, step: StepSpec, ids: dict, round_no: int, task_id: int, submission: Any) -> Any:
        if self._legacy:
            try:
                return await self._legacy.apply_step(step, ids, round_no, submission)
            except self._legacy.Refused as refusal:
                raise _Refused(refusal.reason) from None
        applying = t.Applying(**ids, task_id=task_id, round=round_no)
        try:
            return await self.activity(step.apply, step.apply.input(**vars(applying), submission=submission))
        except ActivityError as failure:
            cause = failure.cause
            if isinstance(cause, ApplicationError) and cause.type == REFUSED:
                raise _Refused(cause.message) from None
            raise

    # --- messages -----------------------------------------------------------

    @workflow.signal
    def reassign_task_signal(self, change: t.Reassign) -> None:
        awaiting = self._awaiting
        if awaiting is None or awaiting.step.kind != change.kind or awaiting.task_id != change.task_id:
            return  # the step is over: nothing to reassign
        awaiting.assignee = change.new_assignee
        self._publish_search_attributes()

    @workflow.query
    def get_current_phase_status(self) -> dict:
        awaiting = self._awaiting
        return {
            "current_phase": self._phase or (PHASES[0].name if PHASES else None),
            "awaiting_action": awaiting.step.kind if awaiting else None,
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
            "action": awaiting.step.kind,
            "assignee": awaiting.assignee,
            "task_id": awaiting.task_id,
            "since": awaiting.since.isoformat(),
            "due_at": awaiting.due_at.isoformat(),
            "escalated": awaiting.escalated,
        }

    # --- validation (shared by updates and signals) ------------------------

    def _validate(self, step: StepSpec, submission: Any) -> None:
        awaiting = self._awaiting
        if awaiting is None or awaiting.step.kind != step.kind:
            raise _refuse(t.ERR_NOT_AWAITING, f"this report is not awaiting a {step.title}")
        if awaiting.received is not None:
            raise _refuse(t.ERR_ALREADY_RECEIVED, "another submission for this step was accepted first")
        if submission.on_behalf_of != awaiting.assignee:
            raise _refuse(
                t.ERR_NOT_ASSIGNEE,
                f"this step is assigned to {awaiting.assignee}, not {submission.on_behalf_of}",
            )
        for person in (submission.submitted_by, submission.on_behalf_of):
            if person in awaiting.barred:
                raise _refuse(
                    t.ERR_SEPARATION_OF_DUTIES,
                    f"{person} submitted this, or had it submitted for them, and cannot approve it",
                )
        problems = step.validate(awaiting.rules, submission)
        if problems:
            raise _refuse(t.ERR_INVALID, "; ".join(problems))

    async def _accept(self, submission: Any) -> dict:
        self._awaiting.received = submission
        # Answer only once the activity has persisted it: the person is told
        # their work is saved, with its version.
        await workflow.wait_condition(lambda: submission.submission_id in self._results)
        return self._results[submission.submission_id]

    async def _accept_signal(self, step: StepSpec, submission: Any) -> None:
        if submission.submission_id in self._seen_signals or submission.submission_id in self._results:
            return  # a re-sent signal: already handled
        self._seen_signals.add(submission.submission_id)
        try:
            self._validate(step, submission)
        except ApplicationError as refusal:
            self._refused.append({"submission_id": submission.submission_id, "reason": str(refusal)})
            await self.activity(
                t.RECORD_REFUSED,
                t.RefusedMessage(
                    cycle_report_id=self._input.cycle_report_id,
                    **self._run_ids(),
                    kind=step.kind,
                    submission_id=submission.submission_id,
                    submitted_by=submission.submitted_by,
                    on_behalf_of=submission.on_behalf_of,
                    reason=str(refusal),
                ),
            )
            return
        self._awaiting.received = submission

    # --- helpers ----------------------------------------------------------------

    def _run_ids(self) -> dict:
        info = workflow.info()
        return {"workflow_id": info.workflow_id, "run_id": info.run_id}

    def _ids(self) -> dict:
        return {"cycle_report_id": self._input.cycle_report_id, **self._run_ids()}

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
                    AWAITING_ACTION.value_set(awaiting.step.kind),
                    AWAITING_ASSIGNEE.value_set(awaiting.assignee),
                    AWAITING_SINCE.value_set(awaiting.since),
                ]
            )
