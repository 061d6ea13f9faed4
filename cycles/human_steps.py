"""The workflow's side of the human-step mechanism: how a phase describes its
steps and its activities to TestCycleWorkflow, without Django.

A phase app declares, in a Django-free module of its own (e.g.
scoping/workflow_steps.py):
- an `ActivityRef` for each activity the workflow calls, with the activity's
  name, result type and options: the workflow calls `ref`, the implementation
  is decorated with `@ref.implement`, so the name is typed once;
- a `StepSpec` for each human step: its kind, the Update (and optional
  signal) that carries a person's submission, the message's dataclass, the
  rules that validate it, and the activity that persists it;
- a `PhaseSpec`: the phase's name, its steps, and `run`, the phase's flow in
  terms of a `PhaseContext` (human steps and activities).
The Django side of the same steps (who acts, forms, pages, e-mails) is
declared in the phase app's `steps.py` (cycles.registry).

Imports nothing from Django: the workflow sandbox imports this module.

Modules that declare the workflow's dataclasses do not use
`from __future__ import annotations`: inside the sandbox, the converter
resolves string annotations against the module's globals, and a phase's
module reaches the sandbox only through the workflow's imports."""

import inspect
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Awaitable, Callable, Generic, Mapping, Optional, Protocol, TypeVar

from temporalio import activity
from temporalio.common import RetryPolicy

from .plain_text import meaningful

I = TypeVar("I")
O = TypeVar("O")

# Refusals an activity raises when the database's own checks refuse a
# submission the workflow's validator let through: the step keeps waiting.
REFUSED = "Refused"

DB_ACTIVITY: Mapping[str, Any] = dict(
    start_to_close_timeout=timedelta(seconds=60),
    retry_policy=RetryPolicy(
        initial_interval=timedelta(seconds=1),
        backoff_coefficient=2.0,
        maximum_interval=timedelta(seconds=60),
        non_retryable_error_types=["InvalidSubmission", REFUSED],
    ),
)


@dataclass(frozen=True)
class ActivityRef(Generic[I, O]):
    """A typed reference to an activity: its name, its input and result
    types, and how the workflow calls it."""

    name: str
    input: type
    output: Optional[type] = None
    options: Mapping[str, Any] = field(default_factory=lambda: DB_ACTIVITY)
    # Short database work: run as a local activity, in the worker that runs
    # the workflow task, recorded as one marker instead of three history
    # events and two task round trips through the server (issue 15:
    # it halves Temporal's CPU per report). Not for calls that may take
    # minutes, heartbeat, or call out of the process.
    local: bool = False

    def implement(self, fn: Callable[[I], O]) -> Callable[[I], O]:
        """Register `fn` as this activity: its name, its argument's type and
        its result's type come from the reference, so the worker decodes
        exactly what the workflow sends."""
        (argument,) = inspect.signature(fn).parameters
        fn.__annotations__ = {argument: self.input, "return": self.output}
        return activity.defn(name=self.name)(fn)


@dataclass(frozen=True)
class StepSpec:
    """A human step as the workflow sees it."""

    kind: str  # e.g. "tester_review": the task's kind, the AwaitingAction value
    update: str  # the Update that carries a submission
    message: type  # the submission's dataclass (submission_id, submitted_by, on_behalf_of, ...)
    # Persists an accepted submission (raises REFUSED to refuse it); its input
    # is a workflow_types.Applying with a `submission` field of `message`.
    apply: ActivityRef
    # The task's rules (TaskTerms.rules, a JSON object from the task-opening
    # activity) prepared once per task for `validate`.
    prepare: Callable[[dict], Any] = lambda rules: rules
    # Problems with a submission, given the prepared rules; [] when valid.
    validate: Callable[[Any, Any], list] = lambda rules, submission: []
    signal: Optional[str] = None  # a signal carrying the same message (validated alike)

    @property
    def title(self) -> str:
        return self.kind.replace("_", " ")


class PhaseContext(Protocol):
    """What a phase's flow may do: the workflow implements it."""

    async def human_step(self, step: StepSpec, round_no: int, context: Optional[dict] = None) -> Any: ...

    async def activity(self, ref: ActivityRef, arg: Any) -> Any: ...

    def phase_request(self) -> Any: ...


@dataclass(frozen=True)
class PhaseSpec:
    name: str
    steps: tuple[StepSpec, ...]
    run: Callable[[PhaseContext], Awaitable[None]]


# --- Approvals --------------------------------------------------------------
# Many phases end a round the same way: someone approves what another
# person submitted, or sends it back with comments. Their steps share these.


@dataclass
class ApprovalSubmission:
    submission_id: str
    submitted_by: str
    on_behalf_of: str
    approved: bool
    comments: str = ""


@dataclass
class ApprovalApplied:
    version: int  # the version decided on
    approved: bool
    comments: str = ""


def approval_problems(_rules: Any, submission: ApprovalSubmission) -> list:
    if not submission.approved and not meaningful(submission.comments):
        return ["comments are required when requesting changes"]
    return []
