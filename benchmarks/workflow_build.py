"""How long the worker takes to build one TestCycleWorkflow instance in the
SDK's sandbox (each new run, and each run rebuilt after eviction from the
cache): the SDK's default sandbox against the worker's own
(cycles/workflow_sandbox.py). Run it once without bytecode and once after
`python -m compileall -q .` to see both effects:

    DJANGO_SETTINGS_MODULE=config.settings .venv/bin/python benchmarks/workflow_build.py
"""
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

django.setup()

import temporalio.workflow  # noqa: E402
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner  # noqa: E402

from cycles.test_cycle_workflow import TestCycleWorkflow  # noqa: E402
from cycles.workflow_sandbox import runner_for  # noqa: E402


async def main():
    defn = temporalio.workflow._Definition.must_from_class(TestCycleWorkflow)
    bytecode = any(Path("cycles/__pycache__").glob("test_cycle_workflow.*.pyc"))
    for label, runner in (("SDK default sandbox", SandboxedWorkflowRunner()), ("worker's sandbox", runner_for(TestCycleWorkflow))):
        runner.prepare_workflow(defn)
        best = float("inf")
        for _ in range(5):
            started = time.perf_counter()
            for _ in range(20):
                runner.prepare_workflow(defn)
            best = min(best, (time.perf_counter() - started) / 20)
        print(f"{'with' if bytecode else 'without'} bytecode, {label}: {best * 1000:.1f} ms per workflow built")


asyncio.run(main())
