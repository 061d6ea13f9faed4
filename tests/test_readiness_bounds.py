"""Issue 9, item 11: /readyz when a dependency is unreachable or hangs.

A probe must answer within about READYZ_TIMEOUT whatever its dependencies
do: the checks run at once, each in a thread, until one deadline. The
database case runs the production web command (gunicorn, as the image runs
it), since the test process's own database must stay reachable."""
import json
import time

import pytest
from django.test import Client

from cycles import temporal_client

from .celery_harness import broker_url, require_service
from .container_harness import ENTRYPOINT, background, closed_port, free_port, production_env
from .silent_server import SilentServer
from .temporal_harness import wait_until
from .test_container_commands import get
from .test_health import broker  # noqa: F401  (fixture)

REDIS = broker_url()
TIMEOUT = 1.0
# "About READYZ_TIMEOUT": the deadline plus a wide margin for a loaded machine.
MARGIN = 2.0


@pytest.fixture
def silent():
    with SilentServer() as server:
        yield server


@pytest.mark.django_db
def test_readyz_answers_in_time_when_the_broker_and_temporal_hang(temporal_env, broker, silent, settings):  # noqa: F811
    settings.READYZ_TIMEOUT = TIMEOUT
    broker(f"redis://127.0.0.1:{silent.port}/0")
    settings.TEMPORAL_ADDRESS = silent.address
    temporal_client.reset()
    try:
        started = time.monotonic()
        response = Client().get("/readyz")
        took = time.monotonic() - started
        # Asked again while the first checks may still hang: as quick.
        started = time.monotonic()
        again = Client().get("/readyz")
        took_again = time.monotonic() - started
    finally:
        temporal_client.reset()
    assert response.status_code == 503, response.content
    body = response.json()
    assert set(body["not_ready"]) == {"broker", "temporal"}
    assert body["checks"]["broker"]["error"] == "TimeoutError"
    assert body["checks"]["temporal"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True
    assert took < TIMEOUT + MARGIN, took
    assert again.status_code == 503 and took_again < TIMEOUT + MARGIN, took_again
    assert str(silent.port) not in response.content.decode()


def web_readyz(tmp_path, **env_overrides):
    """Start the image's web command with these settings; ask /readyz once
    it serves; return (status, body, seconds)."""
    require_service(REDIS, "Redis")
    port = free_port()
    env = production_env(
        PORT=str(port), BIND_HOST="127.0.0.1", WEB_CONCURRENCY="1", WEB_THREADS="2",
        CELERY_BROKER_URL=REDIS, READYZ_TIMEOUT=str(TIMEOUT), **env_overrides,
    )
    log = tmp_path / "web.log"
    base = f"http://127.0.0.1:{port}"
    with background([ENTRYPOINT, "web"], env, log) as proc:

        def alive():
            assert proc.poll() is None, log.read_text()
            try:
                return get(f"{base}/healthz")[0] == 200  # also loads every URL's module
            except OSError:
                return False

        wait_until(alive, timeout=60, message="gunicorn to answer /healthz")
        started = time.monotonic()
        status, _, body = get(f"{base}/readyz")
        return status, json.loads(body), time.monotonic() - started


def test_readyz_names_the_database_when_it_is_unreachable(temporal_env, tmp_path):
    port = closed_port()
    status, body, took = web_readyz(tmp_path, DATABASE_URL=f"postgres://app:s3cret@127.0.0.1:{port}/regtest")
    assert status == 503, body
    assert body["not_ready"] == ["database"]
    assert body["checks"]["database"]["ok"] is False
    assert body["checks"]["temporal"]["ok"] and body["checks"]["broker"]["ok"]
    assert took < TIMEOUT + MARGIN, took
    assert "s3cret" not in json.dumps(body) and str(port) not in json.dumps(body)


def test_readyz_answers_in_time_when_the_database_hangs(temporal_env, tmp_path, silent):
    status, body, took = web_readyz(tmp_path, DATABASE_URL=f"postgres://app:s3cret@127.0.0.1:{silent.port}/regtest")
    assert status == 503, body
    assert body["not_ready"] == ["database"]
    assert body["checks"]["database"] == {"ok": False, "error": "TimeoutError", "ms": body["checks"]["database"]["ms"]}
    assert took < TIMEOUT + MARGIN, took
