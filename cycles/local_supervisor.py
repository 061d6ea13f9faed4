"""Keeping the child processes of `manage.py run_local` running.

Each child says which of its exits call for a restart: the Temporal dev
server is always started again (the app keeps serving meanwhile, as the
README promises), the worker only when it exited because Temporal was
unreachable; any other exit stops the whole stack, as it is a bug or a
configuration to fix. Restarts back off (1 s, doubling, up to a cap) while a
child keeps dying young, and each one is said in a line of output."""
from __future__ import annotations

import signal
import subprocess
import time
from dataclasses import dataclass, field
from typing import Callable


def never(status: int) -> bool:
    return False


def always(status: int) -> bool:
    return True


@dataclass
class Child:
    name: str
    argv: list[str]
    env: dict | None = None
    cwd: str | None = None
    restart_when: Callable[[int], bool] = never
    # Checked after a restart until it holds, then announced ("is up again").
    ready: Callable[[], bool] | None = None
    proc: subprocess.Popen | None = field(default=None, repr=False)
    started_at: float = 0.0
    restarts: int = 0
    quick_deaths: int = 0
    exit_status: int | None = None
    restart_at: float | None = None
    announcing: bool = False

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


class ChildExited(Exception):
    def __init__(self, child: Child, status: int):
        self.child, self.status = child, status
        super().__init__(f"{child.name} exited with {status}")


class Supervisor:
    def __init__(
        self,
        say: Callable[[str], None] = print,
        first_delay: float = 1.0,
        max_delay: float = 10.0,
        stable_after: float = 30.0,
    ):
        self.say = say
        self.first_delay, self.max_delay, self.stable_after = first_delay, max_delay, stable_after
        self.children: list[Child] = []

    def start(self, child: Child) -> Child:
        self._spawn(child)
        self.children.append(child)
        return child

    def _spawn(self, child: Child) -> None:
        child.proc = subprocess.Popen(child.argv, env=child.env, cwd=child.cwd)
        child.started_at = time.monotonic()
        child.restart_at = None

    def poll(self) -> None:
        """One round: restart what is due, announce what is back; raise
        ChildExited for an exit that calls for no restart."""
        now = time.monotonic()
        for child in self.children:
            if child.restart_at is not None:
                if now >= child.restart_at:
                    self._spawn(child)
                    child.restarts += 1
                    child.announcing = child.ready is not None
                    self.say(f"{child.name} exited with {child.exit_status}; restarted it (pid {child.pid})")
                continue
            status = child.proc.poll()
            if status is None:
                if child.announcing and child.ready():
                    child.announcing = False
                    self.say(f"{child.name} is up again")
                continue
            child.exit_status = status
            if not child.restart_when(status):
                raise ChildExited(child, status)
            # A child that keeps dying young waits longer each time.
            lived = now - child.started_at
            child.quick_deaths = child.quick_deaths + 1 if lived < self.stable_after else 0
            delay = min(self.max_delay, self.first_delay * 2 ** max(0, child.quick_deaths - 1))
            child.restart_at = now + delay

    def run(self, should_stop: Callable[[], bool], interval: float = 0.2) -> None:
        while not should_stop():
            self.poll()
            time.sleep(interval)

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM to every child, last started first; SIGKILL to any that
        has not exited within `timeout`."""
        alive = [c.proc for c in reversed(self.children) if c.running()]
        for proc in alive:
            proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for proc in alive:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
