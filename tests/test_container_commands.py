"""The container's processes, run with the very command lines of the image
(docker/entrypoint.sh, which the Dockerfile and compose.yaml call) in
production mode against the test database, the session's Temporal dev server
and Redis. No Docker engine runs here; these are the same commands."""
import json
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from celery import Celery

from cycles.workflow_start import start_workflow
from cycles import workflow_types as t
from scoping import workflow_steps as s

from .celery_harness import broker_url, require_service
from .factories import scoped_report
from .helpers import wait_for_task
from .container_harness import ENTRYPOINT, background, closed_port, free_port, own_celery_queue, production_env, run
from .temporal_harness import wait_until

REDIS = broker_url()  # CELERY_TEST_BROKER_URL


def get(url: str, headers=None):
    request = urllib.request.Request(url, headers=headers or {})

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=15) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def json_log_lines(path: Path) -> list[dict]:
    out = []
    for line in path.read_text().splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            pass  # a process's own banner, if any
    return out


@pytest.fixture(scope="module")
def static_root(tmp_path_factory):
    """`entrypoint.sh collectstatic`, as the image build runs it."""
    root = tmp_path_factory.mktemp("staticfiles")
    env = production_env(STATIC_ROOT=str(root))
    for name in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "CELERY_BROKER_URL"):
        env.pop(name)  # the build has no secrets: collectstatic must not need them
    done = run([ENTRYPOINT, "collectstatic"], env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (root / "staticfiles.json").exists()
    return root


def test_web_gunicorn_serves_probes_static_files_and_https_only(temporal, static_root, tmp_path):
    require_service(REDIS, "Redis")
    port = free_port()
    env = production_env(
        PORT=str(port),
        BIND_HOST="127.0.0.1",
        STATIC_ROOT=str(static_root),
        WEB_CONCURRENCY="1",
        WEB_THREADS="2",
        SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto",
        CELERY_BROKER_URL=REDIS,
    )
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "web.log"
    with background([ENTRYPOINT, "web"], env, log) as proc:

        def alive():
            assert proc.poll() is None, log.read_text()
            try:
                return get(f"{base}/healthz")
            except OSError:
                return None

        status, _, body = wait_until(alive, timeout=60, message="gunicorn to answer /healthz")
        assert status == 200 and json.loads(body) == {"status": "alive"}

        status, _, body = get(f"{base}/readyz")
        assert status == 200, body
        assert {k: v["ok"] for k, v in json.loads(body)["checks"].items()} == {
            "database": True, "temporal": True, "broker": True,
        }

        # Production mode: plain HTTP is redirected to HTTPS; through the proxy it is served.
        status, headers, _ = get(f"{base}/accounts/login/")
        assert status == 301 and headers["Location"].startswith("https://")
        status, headers, page = get(f"{base}/accounts/login/", {"X-Forwarded-Proto": "https"})
        assert status == 200
        assert "max-age=31536000" in headers["Strict-Transport-Security"]

        # A hashed static file from the manifest, served by whitenoise with a long cache life.
        manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
        css = next(v for k, v in manifest.items() if k.endswith(".css"))
        status, headers, _ = get(f"{base}/static/{css}", {"X-Forwarded-Proto": "https"})
        assert status == 200
        assert "immutable" in headers["Cache-Control"]

        check = run([ENTRYPOINT, "healthcheck-web"], env, timeout=30)
        assert check.returncode == 0, check.stderr
    assert proc.returncode == 0
    lines = json_log_lines(log)
    assert any(r["logger"] == "gunicorn.access" and "/healthz" in r["message"] for r in lines), log.read_text()


def test_healthcheck_web_fails_when_nothing_answers():
    env = production_env(PORT=str(closed_port()))
    assert run([ENTRYPOINT, "healthcheck-web"], env, timeout=30).returncode != 0


def test_temporal_worker_process_runs_activities_with_json_logs(temporal, settings, tmp_path):
    settings.TEMPORAL_TASK_QUEUE = f"container-{uuid.uuid4().hex[:8]}"  # only the subprocess polls it
    env = production_env(TEMPORAL_TASK_QUEUE=settings.TEMPORAL_TASK_QUEUE, TEMPORAL_WORKER_ACTIVITY_THREADS="4")
    cr = scoped_report(attributes=3)
    log = tmp_path / "worker.log"
    handle = None
    with own_celery_queue(), background([ENTRYPOINT, "temporal-worker"], env, log) as proc:
        try:
            start_workflow(cr, actor=cr.tester)
            handle = temporal.env.client.get_workflow_handle(cr.expected_workflow_id)
            task = wait_for_task(cr, s.TESTER_REVIEW, timeout=60)
            assert task.assignee == cr.tester
            check = run([ENTRYPOINT, "healthcheck-temporal-worker"], env, timeout=60)
            assert check.returncode == 0, check.stderr
            assert "is reachable" in check.stdout
        finally:
            if handle is not None:
                temporal.run(handle.terminate("test over"))
    assert proc.returncode == 0, log.read_text()  # SIGTERM: a clean stop
    assert "Worker stopped" in log.read_text()
    about_it = [r for r in json_log_lines(log) if r.get("workflow_id") == cr.expected_workflow_id]
    assert any(r.get("activity_type") and r["logger"] == "cycles.activities" for r in about_it), log.read_text()


def test_run_worker_check_against_the_dev_server_and_a_closed_port(temporal_env):
    ok = run([ENTRYPOINT, "healthcheck-temporal-worker"], production_env(), timeout=60)
    assert ok.returncode == 0, ok.stderr
    down = run(
        [ENTRYPOINT, "healthcheck-temporal-worker"],
        production_env(TEMPORAL_ADDRESS=f"127.0.0.1:{closed_port()}"),
        timeout=60,
    )
    assert down.returncode != 0
    assert "is not reachable" in down.stderr


def test_celery_worker_process_sends_mail_and_answers_ping(tmp_path):
    require_service(REDIS, "Redis")
    mail_dir = tmp_path / "mail"
    env = production_env(
        CELERY_BROKER_URL=REDIS,
        CELERY_CONCURRENCY="1",
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(mail_dir),
        DATABASE_URL="sqlite:///" + str(tmp_path / "unused.sqlite3"),
    )
    log = tmp_path / "celery.log"
    with own_celery_queue() as queue, background([ENTRYPOINT, "celery-worker"], env, log) as proc:
        sender = Celery("probe", broker=REDIS)
        sender.send_task(
            "reviews.tasks.send_notification_email",
            args=[["owner@bank.example"], "Container check", "Body"],
            queue=queue,
        )
        def written() -> str:
            # The file backend creates the file before it writes the message.
            assert proc.poll() is None, log.read_text()[-2000:]
            return "".join(f.read_text() for f in mail_dir.iterdir()) if mail_dir.exists() else ""

        wait_until(lambda: "Container check" in written(), timeout=60, message="the Celery worker to send the e-mail")
        assert "owner@bank.example" in written()
        ping = run([ENTRYPOINT, "healthcheck-celery"], env, timeout=60)
        assert ping.returncode == 0, ping.stdout + ping.stderr
    assert proc.returncode == 0, log.read_text()
