"""Connecting to Temporal from the settings: a local dev server, a cluster
with mutual TLS, or Temporal Cloud with an API key."""
from __future__ import annotations

import logging
import os
import threading
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from temporalio.client import Client
from temporalio.runtime import LogForwardingConfig, LoggingConfig, Runtime, TelemetryConfig, TelemetryFilter
from temporalio.service import RetryConfig, TLSConfig

_runtime_lock = threading.Lock()
_runtime: dict = {"pid": None, "runtime": None}


def _read(path: str) -> bytes | None:
    return Path(path).read_bytes() if path else None


def tls_config() -> TLSConfig | bool:
    cert = getattr(settings, "TEMPORAL_TLS_CLIENT_CERT", "")
    key = getattr(settings, "TEMPORAL_TLS_CLIENT_KEY", "")
    ca = getattr(settings, "TEMPORAL_TLS_SERVER_CA", "")
    if cert or key or ca:
        return TLSConfig(
            client_cert=_read(cert),
            client_private_key=_read(key),
            server_root_ca_cert=_read(ca),
        )
    return bool(getattr(settings, "TEMPORAL_TLS", False))


def runtime() -> Runtime:
    """The SDK's native core writes its own log lines to stderr in its own
    format; forward them to Python logging instead, so that every line of a
    process goes through the one LOGGING config (one JSON object per line
    when LOG_FORMAT=json). One per process: it must not cross a fork."""
    with _runtime_lock:
        if _runtime["pid"] != os.getpid():
            forwarding = LogForwardingConfig(logger=logging.getLogger("temporalio.core"), append_target_to_name=False)
            logs = LoggingConfig(filter=TelemetryFilter(core_level="WARN", other_level="ERROR"), forwarding=forwarding)
            _runtime.update(pid=os.getpid(), runtime=Runtime(telemetry=TelemetryConfig(logging=logs)))
        return _runtime["runtime"]


def connect_options() -> dict:
    """The keyword arguments of Client.connect that the settings decide."""
    api_key = getattr(settings, "TEMPORAL_API_KEY", "") or None
    tls = tls_config()
    if api_key and tls is False:
        tls = True  # Temporal Cloud API keys always travel over TLS
    return {"namespace": settings.TEMPORAL_NAMESPACE, "api_key": api_key, "tls": tls, "runtime": runtime()}


def fail_fast_options() -> dict:
    """For the processes that answer people (web, Celery): give up on an
    unreachable server within about TEMPORAL_CONNECT_TIMEOUT, instead of the
    SDK's default of retrying every call for up to 10 s. The circuit breaker
    in cycles.temporal_client then answers at once until Temporal is back.
    The worker keeps the SDK's patient defaults."""
    limit = settings.TEMPORAL_CONNECT_TIMEOUT
    return {
        "connect_timeout": timedelta(seconds=limit),
        # A blip (a frontend restarting behind its load balancer) still gets
        # a few quick retries: 50, 100, 200 ms ...
        "retry_config": RetryConfig(
            initial_interval_millis=50,
            multiplier=2.0,
            max_interval_millis=max(50, int(limit * 500)),
            max_elapsed_time_millis=int(limit * 1000),
            max_retries=5,
        ),
    }


async def connect(address: str | None = None, **overrides) -> Client:
    return await Client.connect(address or settings.TEMPORAL_ADDRESS, **{**connect_options(), **overrides})
