"""Running the project's own command lines (docker/entrypoint.sh) as
subprocesses, against the test database, the session's Temporal dev server
and Redis: what the container runs, minus Docker."""
from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

from .celery_harness import broker_url

REPO = Path(settings.BASE_DIR)
ENTRYPOINT = REPO / "docker" / "entrypoint.sh"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def closed_port() -> int:
    """A port on which nothing listens (bound, then released)."""
    return free_port()


def current_database_url() -> str:
    """The database the tests use right now (test_… on PostgreSQL)."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    auth = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def production_env(**overrides: str) -> dict:
    """The environment of a production process, pointing at the test services."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
    env.update(
        PATH=f"{Path(sys.prefix) / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        DJANGO_SETTINGS_MODULE="config.settings_production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=current_database_url(),
        CELERY_BROKER_URL=broker_url(),
        TEMPORAL_ADDRESS=settings.TEMPORAL_ADDRESS,
        TEMPORAL_NAMESPACE=settings.TEMPORAL_NAMESPACE,
        TEMPORAL_TASK_QUEUE=settings.TEMPORAL_TASK_QUEUE,
        CELERY_TASK_DEFAULT_QUEUE=CONTAINER_QUEUE,
        # The tests' durations stay short; the rest is the production default.
        HUMAN_TASK_DUE_AFTER="3600",
        HUMAN_TASK_REMIND_EVERY="600",
    )
    env.update(overrides)
    return env


# The subprocesses' Celery messages (e-mail notices from activities) go to a
# queue of their own, emptied around each test, so that none is left in the
# broker for the suite's other Celery tests to pick up.
CONTAINER_QUEUE = "regtest-container-tests"


@contextmanager
def own_celery_queue():
    import redis

    def purge():
        try:
            redis.Redis.from_url(broker_url(), socket_timeout=5).delete(CONTAINER_QUEUE)
        except redis.RedisError:
            pass  # no Redis here: nothing can have been queued either

    purge()
    try:
        yield CONTAINER_QUEUE
    finally:
        purge()


def run(args, env: dict, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(a) for a in args], cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout
    )


@contextmanager
def background(args, env: dict, log_path: Path):
    """Start a long-running command; stop it with SIGTERM (as Docker does) on exit."""
    with open(log_path, "w") as out:
        proc = subprocess.Popen([str(a) for a in args], cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
