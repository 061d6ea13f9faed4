"""Run as a child process by tests/test_json_logs.py, under LOG_FORMAT=json:
a worker built by cycles.worker.build_worker (with a test-only workflow that
logs through workflow.logger) on a client from cycles.temporal_connection,
configured by the project's LOGGING, runs that workflow once and exits.

    python -m tests.json_log_worker WORKFLOW_ID

Temporal address, namespace and task queue come from the environment, as
for run_worker."""
import asyncio
import logging
import os
import sys


def main(workflow_id: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings

    from cycles.temporal_connection import connect
    from cycles.worker import build_worker
    from tests.logging_workflow import LoggingWorkflow

    async def run() -> None:
        client = await connect()
        worker = build_worker(client, threads=2, extra_workflows=(LoggingWorkflow,))
        async with worker:
            await client.execute_workflow(
                LoggingWorkflow.run, "a note", id=workflow_id, task_queue=settings.TEMPORAL_TASK_QUEUE
            )

    asyncio.run(run())
    logging.getLogger("tests.json_log_worker").info("done")
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # as run_worker does: no interpreter shutdown racing the SDK's threads


if __name__ == "__main__":
    main(sys.argv[1])
