"""The stack's workflow shape on bare Temporal: no Django, no database, no
web server. Per report, as TestCycleWorkflow does up to the moment the
next phase's first task opens: start the phase, generate recommendations,
open the tester's task, wait (with a reminder timer) for an Update that
answers after its activity applied it, open the owner's task, the same
again, complete the phase, start the next phase, open its task; a search
attribute upsert at each wait.

`local=True` runs the same activities that the stack runs locally as local
activities (cycles/workflow_types.py, ActivityRef.local), so the two sides
compare like with like.

Run as the bare side's worker process:
    python benchmarks/bare_temporal.py worker <address> <task queue>
"""
from __future__ import annotations

import asyncio
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.client import Client, WorkflowUpdateStage
from temporalio.common import SearchAttributeKey, SearchAttributePair, TypedSearchAttributes
from temporalio.worker import Worker

WORKFLOW = "BareTestCycle"
AWAITING = SearchAttributeKey.for_keyword("AwaitingAction")
STEPS = ("tester_review", "report_owner_approval")


@dataclass
class BareInput:
    report: int
    local: bool


@dataclass
class Decision:
    step: str
    approved: bool = True


@activity.defn
def phase_activity(name: str) -> str:
    return name


@activity.defn
def recommend_activity(report: int) -> int:
    return report


@activity.defn
def open_task_activity(step: str) -> str:
    return step


@activity.defn
def apply_activity(step: str) -> str:
    return step


ACTIVITIES = [phase_activity, recommend_activity, open_task_activity, apply_activity]
OPTIONS = dict(start_to_close_timeout=timedelta(seconds=60))


@workflow.defn(name=WORKFLOW)
class BareTestCycle:
    def __init__(self) -> None:
        self.awaiting = ""
        self.done: set[str] = set()
        self.local = False

    async def _call(self, fn, arg, local: bool = True):
        if local and self.local:
            return await workflow.execute_local_activity(fn, arg, **OPTIONS)
        return await workflow.execute_activity(fn, arg, **OPTIONS)

    async def _step(self, step: str) -> None:
        await self._call(open_task_activity, step)
        self.awaiting = step
        workflow.upsert_search_attributes([AWAITING.value_set(step)])
        while step not in self.done:
            # The reminder timer of a human step.
            try:
                await workflow.wait_condition(lambda: step in self.done, timeout=timedelta(hours=1))
            except asyncio.TimeoutError:
                pass

    @workflow.run
    async def run(self, inp: BareInput) -> str:
        self.local = inp.local
        await self._call(phase_activity, "Scoping")
        await self._call(recommend_activity, inp.report, local=False)
        for step in STEPS:
            await self._step(step)
        await self._call(phase_activity, "Scoping completed")
        await self._call(phase_activity, "Sample Selection")
        await self._call(open_task_activity, "sample_selection")
        self.awaiting = "sample_selection"
        workflow.upsert_search_attributes([AWAITING.value_set("sample_selection")])
        return "opened"

    @workflow.update
    async def submit(self, decision: Decision) -> str:
        await workflow.wait_condition(lambda: self.awaiting == decision.step)
        await self._call(apply_activity, decision.step)
        self.done.add(decision.step)
        return "accepted"


async def drive(client: Client, queue: str, reports: list[int], people: int, local: bool, prefix: str) -> float:
    """Runs `reports` workflows through both Updates with `people` at once;
    returns the wall time until every one has opened its next phase's task."""
    pending: asyncio.Queue[int] = asyncio.Queue()
    for r in reports:
        pending.put_nowait(r)

    async def person():
        while not pending.empty():
            report = pending.get_nowait()
            handle = await client.start_workflow(
                WORKFLOW, BareInput(report=report, local=local), id=f"{prefix}-{report}", task_queue=queue,
                search_attributes=TypedSearchAttributes([SearchAttributePair(AWAITING, "")]),
            )
            for step in STEPS:
                await handle.execute_update(BareTestCycle.submit, Decision(step=step))
            await handle.result()

    loop = asyncio.get_running_loop()
    started = loop.time()
    await asyncio.gather(*(person() for _ in range(people)))
    return loop.time() - started


async def _serve(address: str, queue: str) -> None:
    client = await Client.connect(address)
    with ThreadPoolExecutor(max_workers=16) as pool:
        worker = Worker(client, task_queue=queue, workflows=[BareTestCycle], activities=ACTIVITIES, activity_executor=pool)
        print("Worker polling task queue", queue, flush=True)
        await worker.run()


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "worker":
        asyncio.run(_serve(sys.argv[2], sys.argv[3]))
    else:
        sys.exit(__doc__)
