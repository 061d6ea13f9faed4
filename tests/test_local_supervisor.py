"""Issue 9, item 10: `make run` keeps serving while its local Temporal dev
server is down. The supervisor of `manage.py run_local` starts the dev
server again when it dies (and the worker, when it exited because Temporal
was unreachable), says so in a line, stops the whole stack for any other
exit, and stops every child on Ctrl-C. Real child processes throughout: the
very dev server command run_local starts, killed with SIGKILL."""
import signal
import sys
import textwrap
import threading
import time

import pytest

from cycles.local_supervisor import Child, ChildExited, Supervisor, always
from cycles.management.commands.run_local import dev_server_child
from cycles.management.commands.run_worker import EXIT_UNREACHABLE

from .process_harness import free_port, port_open
from .temporal_harness import wait_until


class Running:
    """A supervisor looping in a thread, as run_local's main thread does,
    until the test says stop (its Ctrl-C)."""

    def __init__(self, supervisor: Supervisor):
        self.supervisor = supervisor
        self.lines: list[str] = []
        supervisor.say = self.lines.append
        self.stop_requested = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        try:
            self.supervisor.run(self.stop_requested.is_set, interval=0.05)
        except BaseException as exc:  # surfaced by the test
            self.error = exc

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_requested.set()
        self.thread.join(10)
        self.supervisor.stop(timeout=10)


def script(body: str) -> list[str]:
    return [sys.executable, "-c", textwrap.dedent(body)]


def test_a_killed_dev_server_is_started_again_and_keeps_its_state(tmp_path):
    port = free_port()
    supervisor = Supervisor(first_delay=0.2)
    server = supervisor.start(dev_server_child("127.0.0.1", port, tmp_path / "temporal.db"))
    try:
        with Running(supervisor) as running:
            wait_until(lambda: port_open(port), timeout=60, message="the dev server to listen")
            first_pid = server.pid
            server.proc.send_signal(signal.SIGKILL)

            wait_until(lambda: server.pid != first_pid, timeout=30, message="the dev server to be restarted")
            wait_until(lambda: port_open(port), timeout=60, message="the restarted dev server to listen")
            wait_until(lambda: "Temporal dev server is up again" in running.lines, timeout=10, message="the line")
            assert running.error is None, running.error
            assert running.lines[0] == f"Temporal dev server exited with -9; restarted it (pid {server.pid})"
            assert server.restarts == 1
        # Ctrl-C: the supervisor stops, and with it the server.
        assert server.proc.poll() is not None
        wait_until(lambda: not port_open(port), timeout=10, message="the port to close")
        assert (tmp_path / "temporal.db").exists()  # the state it came back with
    finally:
        supervisor.stop(timeout=10)


def test_the_worker_is_restarted_only_after_an_outage_exit_other_exits_stop_everything(tmp_path):
    starts = tmp_path / "starts"
    # Exits "Temporal unreachable" twice, then runs, as run_worker does while
    # the dev server comes back.
    worker_argv = script(
        f"""
        import pathlib, sys, time
        p = pathlib.Path({str(starts)!r})
        n = len(p.read_text()) if p.exists() else 0
        p.write_text("x" * (n + 1))
        if n < 2:
            sys.exit({EXIT_UNREACHABLE})
        time.sleep(600)
        """
    )
    web_argv = script("import time; time.sleep(600)")
    supervisor = Supervisor(first_delay=0.1)
    worker = supervisor.start(Child("Temporal worker", worker_argv, restart_when=lambda s: s == EXIT_UNREACHABLE))
    web = supervisor.start(Child("web server", web_argv))
    try:
        with Running(supervisor) as running:
            wait_until(lambda: worker.restarts == 2 and worker.running(), timeout=30, message="two restarts")
            assert len(running.lines) == 2, running.lines
            assert all(
                line.startswith(f"Temporal worker exited with {EXIT_UNREACHABLE}; restarted it (pid ")
                for line in running.lines
            ), running.lines
            assert running.lines[-1].endswith(f"(pid {worker.pid})")
            assert web.running()

            # A worker that fails for another reason (say, missing search
            # attributes) is not restarted: the stack stops, saying why.
            worker.proc.send_signal(signal.SIGKILL)
            wait_until(lambda: running.error is not None, timeout=10, message="the supervisor to give up")
        assert isinstance(running.error, ChildExited)
        assert str(running.error) == "Temporal worker exited with -9"
        assert worker.restarts == 2
        assert web.proc.poll() is not None  # stopped with the rest
    finally:
        supervisor.stop(timeout=10)


def test_a_restart_backs_off_while_the_child_keeps_dying_young():
    supervisor = Supervisor(first_delay=0.2, max_delay=0.8, stable_after=30)
    child = supervisor.start(Child("flaky", script("import sys; sys.exit(1)"), restart_when=always))
    began = time.monotonic()
    try:
        with Running(supervisor):
            wait_until(lambda: child.restarts >= 4, timeout=30, message="four restarts")
    finally:
        supervisor.stop(timeout=10)
    # Waits of 0.2, 0.4, 0.8 and 0.8 s (capped) before the four restarts.
    assert time.monotonic() - began >= 0.2 + 0.4 + 0.8 + 0.8
    assert child.quick_deaths >= 4


def test_stop_ends_every_child_and_kills_one_that_ignores_sigterm(tmp_path):
    ready = tmp_path / "ignoring-sigterm"
    stubborn = script(
        f"""
        import pathlib, signal, time
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        pathlib.Path({str(ready)!r}).touch()
        time.sleep(600)
        """
    )
    supervisor = Supervisor()
    polite = supervisor.start(Child("polite", script("import time; time.sleep(600)")))
    rude = supervisor.start(Child("rude", stubborn))
    wait_until(ready.exists, timeout=30, message="the stubborn child to ignore SIGTERM")
    before = time.monotonic()
    supervisor.stop(timeout=2)
    assert polite.proc.poll() == -signal.SIGTERM
    assert rude.proc.poll() == -signal.SIGKILL
    assert time.monotonic() - before < 10


@pytest.mark.parametrize("status", [0, 1])
def test_an_exit_that_calls_for_no_restart_raises(status):
    supervisor = Supervisor()
    child = supervisor.start(Child("web server", script(f"import sys; sys.exit({status})")))
    try:
        child.proc.wait(30)
        with pytest.raises(ChildExited) as raised:
            supervisor.poll()
        assert raised.value.status == status and raised.value.child is child
    finally:
        supervisor.stop()


# --- the real thing: manage.py run_local, its dev server killed under it ----


def children_of(pid: int) -> dict[int, str]:
    """Direct children of a process and their command lines (Linux /proc)."""
    from pathlib import Path

    found = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            try:
                found[int(child)] = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                pass  # already gone
    return found


def alive(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead too (reaped by its parent, or by init once orphaned).
    from pathlib import Path

    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except OSError:
        return False


def free_port_pair() -> int:
    """A port whose +1000 (the dev server's Web UI) is free too."""
    for _ in range(50):
        port = free_port()
        if port + 1000 < 65536 and not port_open(port + 1000):
            return port
    raise AssertionError("no free port pair")


def test_run_local_keeps_serving_while_its_dev_server_is_killed_and_ctrl_c_stops_everything(tmp_path):
    import os
    import subprocess
    import urllib.request

    from .process_harness import BASE_DIR

    temporal_port, web_port = free_port_pair(), free_port()
    env = {
        **os.environ,
        "LOCAL_DIR": str(tmp_path / "local"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "TEMPORAL_ADDRESS": f"127.0.0.1:{temporal_port}",
        "TEMPORAL_TASK_QUEUE": "run-local-test",
        "CELERY_BROKER_URL": "filesystem://",
        "PYTHONUNBUFFERED": "1",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    log_path = tmp_path / "run_local.log"
    with open(log_path, "wb") as log:
        # Its own session, like a terminal's foreground job: Ctrl-C goes to the whole group.
        proc = subprocess.Popen(
            [sys.executable, "manage.py", "run_local", "--no-seed", "--port", str(web_port)],
            cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    output = log_path.read_text

    def serves() -> bool:
        assert proc.poll() is None, output()[-3000:]
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{web_port}/healthz", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    children = {}
    try:
        wait_until(lambda: "Ctrl-C stops everything" in output(), timeout=120, message="run_local to start")
        wait_until(serves, timeout=60, message="the web server")
        wait_until(lambda: "Worker polling task queue" in output(), timeout=60, message="the worker")
        children = children_of(proc.pid)
        (server_pid,) = [pid for pid, cmd in children.items() if "server start-dev" in cmd]

        os.kill(server_pid, signal.SIGKILL)
        wait_until(lambda: not port_open(temporal_port), timeout=10, message="the dev server to be gone")
        assert serves()  # the app keeps serving meanwhile
        wait_until(
            lambda: "Temporal dev server exited with -9; restarted it" in output(),
            timeout=30, message="the restart line",
        )
        wait_until(lambda: "Temporal dev server is up again" in output(), timeout=60, message="the server back")
        assert serves()
        children = children_of(proc.pid)
        assert server_pid not in children
        assert len([cmd for cmd in children.values() if "server start-dev" in cmd]) == 1
        assert len(children) == 4, children  # dev server, worker, Celery, web server

        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C
        assert proc.wait(60) == 0, output()[-3000:]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(30)
        for pid in children:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
    assert not [pid for pid in children if alive(pid)], output()[-3000:]
    assert not port_open(temporal_port) and not port_open(web_port)
    assert "Traceback" not in output(), output()[-3000:]
