"""Variants of the released v2 workflow (tests/released_workflows/v2.py)
that stand for other versions of its code, for replay tests only: the
manager notification without its patch guard, and before it existed.
Kept free of Django so the workflow sandbox can load it."""
from temporalio import workflow

from .released_workflows import v2 as t
from .released_workflows.v2 import DB_ACTIVITY, TestCycleWorkflow


@workflow.defn(name=t.WORKFLOW_NAME)
class UnguardedNotifyWorkflow(TestCycleWorkflow):
    """The manager notification added WITHOUT workflow.patched: the mistake
    the replay tests must catch."""

    @workflow.run
    async def run(self, inp: t.TestCycleInput) -> t.ScopingOutcome:
        return await super().run(inp)

    async def _after_phase_completed(self, phase: t.PhaseRequest) -> None:
        await workflow.execute_activity("notify_phase_completed_activity", phase, **DB_ACTIVITY)


@workflow.defn(name=t.WORKFLOW_NAME)
class BeforeNotifyWorkflow(TestCycleWorkflow):
    """The workflow as it was before the notification (a rolled-back deploy)."""

    @workflow.run
    async def run(self, inp: t.TestCycleInput) -> t.ScopingOutcome:
        return await super().run(inp)

    async def _after_phase_completed(self, phase: t.PhaseRequest) -> None:
        return None
