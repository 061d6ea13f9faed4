"""Real processes that tests stop, kill and restart: a Temporal dev server
with a persistent database on a fixed port, and `manage.py run_worker`.

Every process started here is killed by `stop()`/`kill()`; tests call them
in `finally` so nothing outlives a test."""
from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from .temporal_harness import SEARCH_ATTRIBUTES, temporal_binary, wait_until

BASE_DIR = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _search_attribute_flags() -> list[str]:
    kinds = {"KEYWORD": "Keyword", "DATETIME": "Datetime"}
    flags = []
    for key in SEARCH_ATTRIBUTES:
        flags += ["--search-attribute", f"{key.name}={kinds[key.indexed_value_type.name]}"]
    return flags


class DevServer:
    """`temporal server start-dev` that survives its own restarts: the same
    port and the same --db-filename every time."""

    def __init__(self, workdir: str, search_attributes: bool = True, namespaces: tuple[str, ...] = ()):
        """search_attributes=False: a namespace as a cluster has it before
        anyone registered the workflow's attributes. `namespaces`: more
        namespaces besides "default"."""
        self.port = free_port()
        self.db_filename = str(Path(workdir) / "temporal.db")
        self.log_path = Path(workdir) / "temporal-server.log"
        self.proc: subprocess.Popen | None = None
        self.extra_args = _search_attribute_flags() if search_attributes else []
        for namespace in namespaces:
            self.extra_args += ["--namespace", namespace]

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> None:
        assert self.proc is None, "already running"
        cmd = [
            temporal_binary(), "server", "start-dev",
            "--ip", "127.0.0.1", "--port", str(self.port), "--headless",
            "--db-filename", self.db_filename, "--log-level", "error",
            *self.extra_args,
        ]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_until(self._ready, timeout=timeout, interval=0.2, message=f"Temporal dev server on {self.address}")

    def _ready(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"the dev server exited ({self.proc.returncode}): {self.log_path.read_text()[-2000:]}")
        if not port_open(self.port):
            return False

        async def healthy():
            from temporalio.client import Client

            client = await Client.connect(self.address)
            return await client.service_client.check_health()

        try:
            return bool(asyncio.run(asyncio.wait_for(healthy(), 5)))
        except Exception:
            return False

    def stop(self) -> None:
        """Stop the server the hard way (SIGKILL): nothing flushed politely."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(30)
        self.proc = None
        wait_until(lambda: not port_open(self.port), timeout=10, message="the dev server's port to close")

    def restart(self) -> None:
        self.stop()
        self.start()


def database_url() -> str:
    """The test database (test_<name>, or the SQLite test file) as a URL for
    a child process."""
    db = settings.DATABASES["default"]
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


class WorkerProcess:
    """`python manage.py run_worker` in its own process, pointed at the test
    database and a Temporal server and task queue of the test's choosing."""

    def __init__(
        self,
        address: str,
        task_queue: str,
        namespace: str = "default",
        extra_env: dict | None = None,
        args: tuple[str, ...] = (),
    ):
        self.args = list(args)
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "TEMPORAL_ADDRESS": address,
            "TEMPORAL_NAMESPACE": namespace,
            "TEMPORAL_TASK_QUEUE": task_queue,
            "TEMPORAL_WORKER_ACTIVITY_THREADS": "4",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "CELERY_TASK_ALWAYS_EAGER": "true",
            "PYTHONUNBUFFERED": "1",
            "LOG_LEVEL": "WARNING",
            **(extra_env or {}),
        }
        self.log = tempfile.NamedTemporaryFile(prefix="run_worker-", suffix=".log", delete=False)
        self.proc: subprocess.Popen | None = None

    def launch(self) -> "WorkerProcess":
        self.proc = subprocess.Popen(
            [sys.executable, "manage.py", "run_worker", *self.args],
            cwd=BASE_DIR,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def start(self, timeout: float = 60) -> "WorkerProcess":
        self.launch()
        wait_until(self._polling, timeout=timeout, interval=0.1, message="run_worker to start polling")
        return self

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def _polling(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"run_worker exited ({self.proc.returncode}):\n{self.output()[-3000:]}")
        return "Worker polling task queue" in self.output()

    def signal(self, sig: int) -> None:
        self.proc.send_signal(sig)

    def wait(self, timeout: float = 60) -> int:
        return self.proc.wait(timeout)

    def kill(self) -> None:
        """SIGKILL the whole process group; safe to call twice."""
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(30)

    def close(self) -> None:
        self.kill()
        self.log.close()
        try:
            os.unlink(self.log.name)
        except OSError:
            pass


class SeparateTemporal:
    """A dev server of the test's own (so it can be stopped without harming
    the session's) with an in-process worker on its own task queue. Quacks
    like the session's `temporal` fixture for tests/helpers.py."""

    def __init__(self, workdir: str):
        from .temporal_harness import BackgroundLoop

        self.server = DevServer(workdir)
        self.task_queue = f"sep-{uuid4_hex()}"
        self.bg = BackgroundLoop()
        self.client = None
        self.worker = None
        self.worker_task = None

    # helpers.query/result use `temporal.env.client` and `temporal.run`
    @property
    def env(self):
        return self

    def run(self, coro, timeout: float = 120):
        return self.bg.run(coro, timeout)

    def start(self) -> None:
        from temporalio.client import Client

        self.server.start()
        self.client = self.bg.run(Client.connect(self.server.address))
        self.start_worker()

    def start_worker(self) -> None:
        from cycles.worker import build_worker

        async def go():
            worker = build_worker(self.client, self.task_queue, threads=4)
            return worker, asyncio.ensure_future(worker.run())

        self.worker, self.worker_task = self.bg.run(go())

    def worker_alive(self) -> bool:
        return self.worker_task is not None and not self.worker_task.done()

    def stop_worker(self) -> None:
        if self.worker is None:
            return
        worker, self.worker = self.worker, None

        async def go():
            try:
                await asyncio.wait_for(worker.shutdown(), 20)
            except Exception:
                pass

        self.bg.run(go(), timeout=30)

    def close(self) -> None:
        try:
            self.stop_worker()
        finally:
            self.server.stop()
            self.bg.stop()


def uuid4_hex() -> str:
    import uuid

    return uuid.uuid4().hex[:8]


@pytest.fixture
def separate_temporal(settings, transactional_db, tmp_path):
    """Point the app (views, services, Celery tasks) at a dev server this
    test may stop and restart."""
    from cycles import temporal_client

    sep = SeparateTemporal(str(tmp_path))
    try:
        sep.start()
        settings.TEMPORAL_ADDRESS = sep.server.address
        settings.TEMPORAL_NAMESPACE = "default"
        settings.TEMPORAL_TASK_QUEUE = sep.task_queue
        # A request waits this long for a workflow that does not answer (an
        # unreachable Temporal is answered at once: the circuit breaker).
        settings.TEMPORAL_RPC_TIMEOUT = 3.0
        temporal_client.reset()
        yield sep
    finally:
        temporal_client.reset()
        sep.close()
