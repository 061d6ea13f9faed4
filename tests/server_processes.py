"""Real server processes for tests: gunicorn web servers and Temporal
workers (`manage.py run_worker`) started as the production commands, pointed
at the test database and the session's Temporal dev server."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings

from .process_harness import database_url, free_port  # noqa: F401  (re-exported for the scale-out test)
from .temporal_harness import wait_until

BASE_DIR = Path(settings.BASE_DIR)


def service_env(**overrides: str) -> dict[str, str]:
    """What every process of the stack is given: the same database and
    Temporal as the test, mail kept in memory, Celery tasks run inline."""
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "DATABASE_URL": database_url(),
        "TEMPORAL_ADDRESS": settings.TEMPORAL_ADDRESS,
        "TEMPORAL_NAMESPACE": settings.TEMPORAL_NAMESPACE,
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "CELERY_TASK_ALWAYS_EAGER": "true",
    }
    env.update(overrides)
    return env


class Process:
    """A child process whose output goes to a log file (kept for CI)."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log_dir: Path):
        self.name = name
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / f"{name}.log"
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(args, cwd=BASE_DIR, env=env, stdout=self._log, stderr=subprocess.STDOUT)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def check_alive(self) -> None:
        if not self.alive():
            raise AssertionError(f"{self.name} exited with {self.proc.returncode}:\n{self.log()[-3000:]}")

    def children(self) -> set[int]:
        """Child pids (gunicorn's workers), from /proc on Linux."""
        path = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        return {int(p) for p in path.read_text().split()} if path.exists() else set()

    def stop(self, timeout: float = 20) -> None:
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._log.close()


def start_web(name: str, env: dict[str, str], log_dir: Path) -> tuple[Process, str]:
    """`gunicorn config.wsgi`, as production runs it, on a free port."""
    port = free_port()
    p = Process(
        name,
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--threads", "4", "--graceful-timeout", "10", "--access-logfile", "-"],
        env,
        log_dir,
    )
    url = f"http://127.0.0.1:{port}"
    return p, url


def wait_web_ready(p: Process, url: str, timeout: float = 60) -> None:
    def ready():
        p.check_alive()
        try:
            with urllib.request.urlopen(f"{url}/accounts/login/", timeout=2) as r:
                return r.status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    wait_until(ready, timeout=timeout, interval=0.1, message=f"{p.name} to serve {url}")


def start_worker(name: str, env: dict[str, str], log_dir: Path) -> Process:
    return Process(name, [sys.executable, "manage.py", "run_worker"], env, log_dir)


def wait_worker_ready(p: Process, timeout: float = 60) -> None:
    def ready():
        p.check_alive()
        return "Worker polling task queue" in p.log()

    wait_until(ready, timeout=timeout, interval=0.1, message=f"{p.name} to poll its task queue")
