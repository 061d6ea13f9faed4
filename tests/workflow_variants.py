"""Variants of TestCycleWorkflow that stand for other versions of its code,
for replay tests only. Kept free of Django so the workflow sandbox can load it."""
from temporalio import workflow

from cycles import workflow_types as t
from cycles.test_cycle_workflow import DB_ACTIVITY, TestCycleWorkflow


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
