"""/healthz and /readyz against the real services: the session's Temporal dev
server and Redis up, then each made unreachable."""
import json

import pytest
from django.test import Client

from cycles import temporal_client

from .celery_harness import broker_url, require_service, reset_pools
from .container_harness import closed_port

REDIS = broker_url()  # CELERY_TEST_BROKER_URL


@pytest.fixture
def broker():
    """Point the Celery app at a broker URL for one test, then restore it."""
    from config.celery import app

    saved = app.conf.broker_url

    def use(url):
        app.conf.broker_url = url
        # All producer pools, the app's own included: a closed one left
        # behind breaks every later task send (eager ones too).
        reset_pools(app)

    yield use
    use(saved)


@pytest.fixture
def temporal_unreachable(temporal_env, settings):
    settings.TEMPORAL_ADDRESS = f"127.0.0.1:{closed_port()}"
    temporal_client.reset()
    yield
    temporal_client.reset()  # `settings` restores the address after this


def test_healthz_is_open_and_touches_no_database():
    # No database fixture: any query would fail this test.
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "alive"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_all_reachable(temporal_env, broker):
    require_service(REDIS, "Redis")
    broker(REDIS)
    response = Client().get("/readyz")  # anonymous: probes do not log in
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ready"
    assert {k: v["ok"] for k, v in body["checks"].items()} == {"database": True, "temporal": True, "broker": True}
    assert "not_ready" not in body


@pytest.mark.django_db
def test_readyz_broker_down(temporal_env, broker):
    port = closed_port()
    broker(f"redis://:s3cret-password@127.0.0.1:{port}/4")
    response = Client().get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["not_ready"] == ["broker"]
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["database"]["ok"] and body["checks"]["temporal"]["ok"]
    text = response.content.decode()
    assert "s3cret" not in text and str(port) not in text  # no URLs, no secrets


@pytest.mark.django_db
def test_readyz_temporal_down(temporal_unreachable, broker, settings):
    require_service(REDIS, "Redis")
    broker(REDIS)
    response = Client().get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["not_ready"] == ["temporal"]
    assert body["checks"]["temporal"] == {"ok": False, "error": body["checks"]["temporal"]["error"], "ms": body["checks"]["temporal"]["ms"]}
    assert settings.TEMPORAL_ADDRESS.split(":")[1] not in json.dumps(body)
    assert body["checks"]["broker"]["ok"] and body["checks"]["database"]["ok"]


@pytest.mark.django_db
def test_readyz_reports_but_tolerates_what_is_not_required(temporal_unreachable, broker, settings):
    """READYZ_REQUIRED=database,broker keeps web pods in rotation while Temporal
    is down (submissions are stored and redelivered); Temporal is still reported."""
    require_service(REDIS, "Redis")
    broker(REDIS)
    settings.READYZ_REQUIRED = ["database", "broker"]
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["temporal"]["ok"] is False


def test_probes_refuse_post():
    assert Client().post("/healthz").status_code == 405
