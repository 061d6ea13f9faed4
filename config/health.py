"""Probes for load balancers and orchestrators (fixed URLs: /healthz, /readyz).

/healthz: the process is alive and serving; touches nothing else.
/readyz: the database, Temporal and the Celery broker are reachable, each
reported; 503 names what is not. Open without login (probes carry no
credentials) and they say nothing secret: no addresses, no error messages,
only the kind of failure. The details go to the log."""
from __future__ import annotations

import logging
import os
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection, connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

log = logging.getLogger(__name__)


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _temporal() -> None:
    from temporalio.service import RPCError

    from cycles import search_attributes, temporal_client

    timeout = settings.READYZ_TIMEOUT

    async def health(client):
        if not await client.service_client.check_health(timeout=timedelta(seconds=timeout)):
            raise RuntimeError("Temporal frontend is not serving")
        if not settings.TEMPORAL_SEARCH_ATTRIBUTES:
            return
        try:
            # Without them every workflow is stuck at its first step.
            await search_attributes.require(client, settings.TEMPORAL_NAMESPACE)
        except RPCError as exc:
            if not search_attributes.not_allowed(exc):
                raise
            log.warning("readiness: cannot list the namespace's search attributes here: %s", exc)

    temporal_client.call(health, timeout=timeout)


def _broker() -> None:
    from config.celery import app

    timeout = settings.READYZ_TIMEOUT
    # Socket timeouts too, so that a broker that accepts and never answers
    # does not keep the check's thread forever (the probe's own deadline,
    # READYZ_TIMEOUT, has answered "TimeoutError" by then).
    options = {"socket_timeout": 2 * timeout, "socket_connect_timeout": 2 * timeout}
    with app.connection_for_write(connect_timeout=timeout, transport_options=options) as conn:
        # One attempt, bounded in time: a probe must answer, not retry.
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)


CHECKS = {"database": _database, "temporal": _temporal, "broker": _broker}

# The checks run at once, in threads, and the probe waits for them until one
# deadline: a dependency that hangs costs READYZ_TIMEOUT, not more. A check
# still running from an earlier probe is waited for again rather than
# started twice, so a dependency that hangs for good holds one thread, not
# one per probe.
_pool_lock = threading.Lock()
_pool: dict = {"pid": None, "executor": None, "running": {}}


def _run(check) -> None:
    try:
        check()
    finally:
        connections.close_all()  # this thread's own connection, if it opened one


def _note_finish(future: Future) -> None:
    future.finished_at = time.monotonic()


def _start(name: str) -> Future:
    with _pool_lock:
        if _pool["pid"] != os.getpid():  # never use threads inherited across a fork
            executor = ThreadPoolExecutor(max_workers=len(CHECKS), thread_name_prefix="readyz")
            _pool.update(pid=os.getpid(), executor=executor, running={})
        future = _pool["running"].get(name)
        if future is None or future.done():
            future = _pool["executor"].submit(_run, CHECKS[name])
            future.add_done_callback(_note_finish)
            _pool["running"][name] = future
        return future


@login_not_required
@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "alive"})


@login_not_required
@never_cache
@require_GET
def readyz(request):
    started = time.monotonic()
    deadline = started + settings.READYZ_TIMEOUT
    futures = {name: _start(name) for name in CHECKS}
    results, not_ready = {}, []
    for name, future in futures.items():
        try:
            future.result(max(0.0, deadline - time.monotonic()))
            results[name] = {"ok": True}
        except FutureTimeout:
            log.warning("readiness: %s did not answer within %gs", name, settings.READYZ_TIMEOUT)
            results[name] = {"ok": False, "error": "TimeoutError"}
        except Exception as exc:  # any failure means "not ready"
            log.warning("readiness: %s not ready: %s: %s", name, exc.__class__.__name__, exc)
            results[name] = {"ok": False, "error": exc.__class__.__name__}
        if not results[name]["ok"] and name in settings.READYZ_REQUIRED:
            not_ready.append(name)
        finished = getattr(future, "finished_at", None) if future.done() else None
        results[name]["ms"] = round(max(0.0, (finished or time.monotonic()) - started) * 1000, 1)
    body = {"status": "not ready" if not_ready else "ready", "checks": results}
    if not_ready:
        body["not_ready"] = not_ready
    return JsonResponse(body, status=503 if not_ready else 200)
