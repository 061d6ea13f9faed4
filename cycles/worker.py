"""Building the Temporal worker: the workflow, every registered activity,
and a thread pool for the ORM-bound activities."""
from __future__ import annotations

import dataclasses
import functools
import inspect
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connections
from temporalio.client import Client
from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
    Worker,
)

from . import workflow_sandbox
from .activity_log import ActivityLogInterceptor
from .registry import registry
from .test_cycle_workflow import TestCycleWorkflow


_in_flight = {"count": 0}
_in_flight_lock = threading.Lock()


def activities_in_flight() -> int:
    """ORM activities running in this process right now (a test waits for
    none before it resets the database under them)."""
    return _in_flight["count"]


def _with_django_connections(fn):
    """Activity threads are not requests: give each activity a healthy
    connection and close it afterwards (or hand it back to the pool), as
    Django does per request, so an idle worker holds no database session."""

    @functools.wraps(fn)
    def run(*args, **kwargs):
        with _in_flight_lock:
            _in_flight["count"] += 1
        close_old_connections()
        try:
            return fn(*args, **kwargs)
        finally:
            connections.close_all()
            with _in_flight_lock:
                _in_flight["count"] -= 1

    return run


class _DjangoConnections(ActivityInboundInterceptor):
    # Interceptors run on the event loop; the wrapped function runs in the
    # activity's own thread, where its connection lives.
    def execute_activity(self, input: ExecuteActivityInput) -> Any:
        if not inspect.iscoroutinefunction(input.fn):
            input = dataclasses.replace(input, fn=_with_django_connections(input.fn))
        return self.next.execute_activity(input)


class DjangoInterceptor(Interceptor):
    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _DjangoConnections(next)


def build_worker(
    client: Client,
    task_queue: str | None = None,
    threads: int | None = None,
    extra_workflows: tuple[type, ...] = (),
    max_cached_workflows: int | None = None,
    workflow_runner=None,
) -> Worker:
    """`extra_workflows`: more workflows on the same worker (tests run tiny
    ones on a worker built exactly like the real one); `workflow_runner`:
    the sandbox of cycles/workflow_sandbox.py unless a test wraps it."""
    threads = threads or settings.TEMPORAL_WORKER_ACTIVITY_THREADS
    # Runs wait for people for days: without a cap the SDK keeps every one
    # of them in memory (about 0.3 MB each). Beyond the cap the least
    # recently used is evicted and rebuilt from its history when its person
    # answers, which costs a replay of a few dozen events.
    cached = max_cached_workflows or settings.TEMPORAL_WORKER_MAX_CACHED_WORKFLOWS
    runner = workflow_runner or workflow_sandbox.runner_for(TestCycleWorkflow)
    return Worker(
        client,
        task_queue=task_queue or settings.TEMPORAL_TASK_QUEUE,
        workflows=[TestCycleWorkflow, *extra_workflows],
        # Every registered phase's activities and the human side's.
        activities=registry.activities(),
        activity_executor=ThreadPoolExecutor(max_workers=threads, thread_name_prefix="activity"),
        max_concurrent_activities=threads,
        # On SIGTERM, running activities finish their database work. Without
        # a grace period the SDK cancels them at once by raising an exception
        # inside their threads, wherever they are (in a write to the log, say).
        graceful_shutdown_timeout=timedelta(seconds=settings.TEMPORAL_WORKER_SHUTDOWN_GRACE),
        interceptors=[DjangoInterceptor(), ActivityLogInterceptor()],
        max_cached_workflows=cached,
        # The SDK needs a cached slot for each workflow task it works on.
        max_concurrent_workflow_tasks=min(cached, 100),
        workflow_runner=runner,
    )
