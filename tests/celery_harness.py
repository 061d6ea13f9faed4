"""A real Celery worker on Redis for tests that exercise Celery."""
from __future__ import annotations

import os
import socket
from contextlib import contextmanager
from urllib.parse import urlparse

import pytest

from .temporal_harness import env_flag

DEFAULT_BROKER = "redis://127.0.0.1:6379/15"


def broker_url() -> str:
    return os.environ.get("CELERY_TEST_BROKER_URL", DEFAULT_BROKER)


def require_service(url: str, what: str) -> None:
    """Skip on a laptop without the service; fail in CI, where it must run."""
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=1):
            return
    except OSError as exc:
        message = f"{what} at {parsed.hostname}:{parsed.port} is not reachable ({exc})"
        if env_flag("CI"):
            pytest.fail(message + "; CI must provide it")
        pytest.skip(message + "; start it to run this test")


def purge_test_broker() -> None:
    """Empty the Redis test database (CELERY_TEST_BROKER_URL names one for
    tests alone). A message left by an earlier test or run, queued or held
    back for a retry with a countdown (kept in Redis' unacked keys, which a
    queue purge misses), would otherwise be consumed by the next test's
    worker and counted with its own."""
    import redis

    with redis.Redis.from_url(broker_url(), socket_timeout=5) as client:
        client.flushdb()


@contextmanager
def redis_celery_worker():
    """Run a real Celery worker (solo pool, in this process) on Redis, on a
    test database purged before and after."""
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    url = broker_url()
    require_service(url, "Redis")
    saved = {k: app.conf.get(k) for k in ("broker_url", "task_always_eager", "result_backend")}
    app.conf.update(broker_url=url, task_always_eager=False, result_backend=None)
    reset_pools(app)
    purge_test_broker()
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=20):
            yield app
    finally:
        purge_test_broker()
        app.conf.update(**saved)
        reset_pools(app)


def reset_pools(app) -> None:
    # Producer pools cache connections to the previous broker.
    from kombu import pools

    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def celery_redis_worker(transactional_db):
    with redis_celery_worker() as app:
        yield app
