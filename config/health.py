"""Probes for load balancers and orchestrators (fixed URLs: /healthz, /readyz).

/healthz: the process is alive and serving; touches nothing else.
/readyz: the database, Temporal and the Celery broker are reachable, each
reported; 503 names what is not. Open without login (probes carry no
credentials) and they say nothing secret: no addresses, no error messages,
only the kind of failure. The details go to the log."""
from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

log = logging.getLogger(__name__)


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _temporal() -> None:
    from cycles import temporal_client

    timeout = settings.READYZ_TIMEOUT

    async def health(client):
        if not await client.service_client.check_health(timeout=timedelta(seconds=timeout)):
            raise RuntimeError("Temporal frontend is not serving")

    temporal_client.call(health, timeout=timeout)


def _broker() -> None:
    from config.celery import app

    with app.connection_for_write() as conn:
        # One attempt, bounded in time: a probe must answer, not retry.
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=settings.READYZ_TIMEOUT)


CHECKS = {"database": _database, "temporal": _temporal, "broker": _broker}


@login_not_required
@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "alive"})


@login_not_required
@never_cache
@require_GET
def readyz(request):
    results, not_ready = {}, []
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            check()
            results[name] = {"ok": True}
        except Exception as exc:  # any failure means "not reachable"
            log.warning("readiness: %s unreachable: %s: %s", name, exc.__class__.__name__, exc)
            results[name] = {"ok": False, "error": exc.__class__.__name__}
            if name in settings.READYZ_REQUIRED:
                not_ready.append(name)
        results[name]["ms"] = round((time.monotonic() - started) * 1000, 1)
    body = {"status": "not ready" if not_ready else "ready", "checks": results}
    if not_ready:
        body["not_ready"] = not_ready
    return JsonResponse(body, status=503 if not_ready else 200)
