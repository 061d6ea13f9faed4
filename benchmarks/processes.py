"""The stack's processes for the benchmark, started as production runs them,
and the CPU and memory each one used, read from /proc (Linux)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition, timeout: float, what: str, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its waited-for children."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    utime, stime, cutime, cstime = (int(v) for v in fields[11:15])
    return (utime + stime + cutime + cstime) / TICKS


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    try:
        return [int(p) for p in path.read_text().split()]
    except OSError:
        return []


def tree(pid: int) -> list[int]:
    out = [pid]
    for child in children(pid):
        out += tree(child)
    return out


def postgres_pids() -> list[int]:
    """Every PostgreSQL server process on the machine (the benchmark's
    database is the only busy one while it runs)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() in ("postgres", "postmaster"):
                    pids.append(int(entry.name))
            except OSError:
                pass
    return pids


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine spent not idle (all cores)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / TICKS


class Meter:
    """CPU per part of the stack over one measured interval."""

    def __init__(self, parts: dict[str, callable]):
        self.parts = parts  # name -> function giving the pids now

    def read(self) -> dict[str, float]:
        out = {name: sum(cpu_seconds(pid) for pid in pids()) for name, pids in self.parts.items()}
        out["machine"] = machine_busy_seconds()
        return out

    @staticmethod
    def spent(before: dict, after: dict) -> dict[str, float]:
        spent = {name: max(0.0, after[name] - before[name]) for name in before}
        spent["other load"] = max(0.0, spent.pop("machine") - sum(spent.values()))
        return spent


class Process:
    def __init__(self, name: str, args: list[str], env: dict, log_dir: Path):
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(args, cwd=REPO, env=env, stdout=self._log, stderr=subprocess.STDOUT)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def pids(self) -> list[int]:
        return tree(self.pid) if self.proc.poll() is None else []

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def check_alive(self) -> None:
        if self.proc.poll() is not None:
            raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.log()[-3000:]}")

    def stop(self, timeout: float = 30) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._log.close()


def temporal_binary() -> str:
    candidate = Path(sys.prefix) / "bin" / "temporal"
    return str(candidate) if candidate.exists() else "temporal"


def start_temporal(log_dir: Path) -> tuple[Process, str]:
    """The Temporal dev server (in memory), with the app's search attributes."""
    port = free_port()
    args = [
        temporal_binary(), "server", "start-dev", "--headless", "--ip", "127.0.0.1", "--port", str(port),
        "--log-level", "error",
        "--search-attribute", "AwaitingAction=Keyword",
        "--search-attribute", "AwaitingAssignee=Keyword",
        "--search-attribute", "AwaitingSince=Datetime",
    ]
    p = Process("temporal", args, dict(os.environ), log_dir)
    address = f"127.0.0.1:{port}"

    def listening():
        p.check_alive()
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", port)) == 0

    wait_for(listening, 60, "the Temporal dev server")
    return p, address


def start_web(env: dict, log_dir: Path) -> tuple[Process, str]:
    """gunicorn with the production configuration (config/gunicorn.py)."""
    port = free_port()
    env = {**env, "PORT": str(port), "BIND_HOST": "127.0.0.1"}
    p = Process("web", [sys.executable, "-m", "gunicorn", "config.wsgi", "--config", "python:config.gunicorn"], env, log_dir)
    url = f"http://127.0.0.1:{port}"

    def ready():
        p.check_alive()
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as r:
                return r.status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            return False

    wait_for(ready, 60, "gunicorn")
    return p, url


def start_worker(env: dict, log_dir: Path, name: str = "worker") -> Process:
    p = Process(name, [sys.executable, "manage.py", "run_worker"], env, log_dir)

    def ready():
        p.check_alive()
        return "Worker polling task queue" in p.log() or "polling" in p.log().lower()

    wait_for(ready, 60, "the worker")
    return p
