"""The whole stack against bare Temporal (issue 15).

Starts, on this machine: a Temporal dev server, gunicorn with the production
settings (2 processes x 4 threads), one worker (`manage.py run_worker`),
against the PostgreSQL database of --database-url (created if missing), and
a bare-Temporal worker (benchmarks/bare_temporal.py) on the same dev server.
Then, section by section (--only to pick):

  throughput  reports through Scoping (start, review, approval) until the
              next phase's task opens, `--people` at once over the API, the
              stack and bare Temporal interleaved, best of --rounds each;
              reports/s, their ratio, CPU per report by process.
  latency     a --latency-attributes-decision review and the owner's
              approval over the API, one person, then --people at once:
              p50/p95/p99.
  pages       the review page and the attributes API at --page-attributes
              attributes: server time (in this process, production
              settings, no network) and query count.
  memory      the worker's RSS, fresh and with each of --waiting workflows
              waiting for a person.
  cycle-start a --cycle-reports-report cycle started with the product's own
              cycle start, until every workflow is running.

    .venv/bin/python benchmarks/stack.py

Not part of `make test`. Defaults take about three minutes here.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks import processes as ps  # noqa: E402
from benchmarks.http_client import ApiClient, token_for  # noqa: E402

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/regtest_bench"


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    p.add_argument("--only", default="throughput,latency,pages,memory,cycle-start")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--reports", type=int, default=40)
    p.add_argument("--attributes", type=int, default=50)
    p.add_argument("--people", type=int, default=8)
    p.add_argument("--latency-reports", type=int, default=24, help="reviews measured per concurrency level")
    p.add_argument("--latency-attributes", type=int, default=200)
    p.add_argument("--page-attributes", type=int, default=1000)
    p.add_argument("--page-repeats", type=int, default=15)
    p.add_argument("--waiting", default="1000", help="comma-separated counts, e.g. 1000,10000")
    p.add_argument("--cycle-reports", type=int, default=500)
    p.add_argument("--workers", type=int, default=1, help="worker processes (`manage.py run_worker`) on the task queue")
    p.add_argument("--worker-cache", type=int, default=0, help="TEMPORAL_WORKER_MAX_CACHED_WORKFLOWS for the worker (default: the setting's)")
    p.add_argument("--keep", action="store_true", help="keep the run directory (logs)")
    return p.parse_args()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def ensure_database(url: str) -> None:
    import psycopg
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


class Stack:
    def __init__(self, args):
        self.args = args
        self.run = uuid.uuid4().hex[:6]
        self.dir = Path(tempfile.mkdtemp(prefix="bench-stack-"))
        self.queue = f"bench-{self.run}"
        self.bare_queue = f"bench-bare-{self.run}"
        self.procs: list[ps.Process] = []

    # --- processes -----------------------------------------------------------

    def service_env(self) -> dict:
        extra = {"TEMPORAL_WORKER_MAX_CACHED_WORKFLOWS": str(self.args.worker_cache)} if self.args.worker_cache else {}
        return {
            **extra,
            **os.environ,
            "PYTHONUNBUFFERED": "1",
            "DJANGO_SETTINGS_MODULE": "config.settings_production",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": self.args.database_url,
            "CELERY_BROKER_URL": "redis://127.0.0.1:6379/9",
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_COOKIES": "false",
            "STATIC_MANIFEST": "false",
            "TEMPORAL_ADDRESS": self.address,
            "TEMPORAL_TASK_QUEUE": self.queue,
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "LOG_LEVEL": "WARNING",
            # Text: the worker then says "Worker polling task queue" on stdout.
            "LOG_FORMAT": "text",
            "WEB_CONCURRENCY": "2",
            "WEB_THREADS": "4",
        }

    def start(self):
        # As the image does (Dockerfile): bytecode compiled ahead, so the
        # worker's sandbox does not compile the workflow's source per run.
        subprocess.run([sys.executable, "-m", "compileall", "-q", "-x", r"/\.venv/|/\.git/", str(REPO)], check=True)
        ensure_database(self.args.database_url)
        self.temporal, self.address = ps.start_temporal(self.dir)
        self.procs.append(self.temporal)
        os.environ.update(
            DJANGO_SETTINGS_MODULE="config.settings",
            DATABASE_URL=self.args.database_url,
            DEBUG="false",
            STATIC_MANIFEST="false",
            TEMPORAL_ADDRESS=self.address,
            TEMPORAL_TASK_QUEUE=self.queue,
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        )
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        env = self.service_env()
        self.web, self.url = ps.start_web(env, self.dir)
        self.procs.append(self.web)
        self.worker = ps.start_worker(env, self.dir)
        self.procs.append(self.worker)
        # More worker processes share the task queue (as a deployment scales
        # them): each has its own interpreter, so its own GIL.
        self.more_workers = [ps.start_worker(env, self.dir, name=f"worker-extra-{i}") for i in range(1, self.args.workers)]
        self.procs += self.more_workers
        self.bare = ps.Process(
            "bare-worker", [sys.executable, "benchmarks/bare_temporal.py", "worker", self.address, self.bare_queue],
            {**os.environ, "PYTHONPATH": str(REPO)}, self.dir,
        )
        self.procs.append(self.bare)
        ps.wait_for(lambda: "polling" in self.bare.log(), 60, "the bare worker")

        from benchmarks import bench_data

        self.testers, self.owners, self.manager = bench_data.people(self.args.people, self.run)
        self.tokens = {
            u.username: token_for(self.url, u.username, bench_data.PASSWORD) for u in [*self.testers, *self.owners, self.manager]
        }

    def stop(self):
        for p in reversed(self.procs):
            p.stop()
        if self.args.keep:
            print(f"logs kept in {self.dir}")
        else:
            import shutil

            shutil.rmtree(self.dir, ignore_errors=True)

    def meter(self, bare: bool) -> ps.Meter:
        parts = {"temporal": self.temporal.pids, "postgres": ps.postgres_pids}
        if bare:
            parts["bare worker"] = self.bare.pids
            parts["bare client"] = lambda: [os.getpid()]
        else:
            parts["web"] = self.web.pids
            parts["worker"] = lambda: [pid for w in (self.worker, *self.more_workers) for pid in w.pids()]
            parts["client"] = lambda: [os.getpid()]
        return ps.Meter(parts)

    def client(self, user) -> ApiClient:
        return ApiClient(self.url, self.tokens[user.username])

    def restart_worker(self):
        """One fresh worker, alone on the queue (the memory figures are one
        process's)."""
        for extra in self.more_workers:
            extra.stop()
            self.procs.remove(extra)
        self.more_workers = []
        self.worker.stop()
        self.procs.remove(self.worker)
        self.worker = ps.start_worker(self.service_env(), self.dir, name=f"worker-{len(self.procs)}")
        self.procs.append(self.worker)

    # --- the stack's side ----------------------------------------------------

    def make_reports(self, label: str, count: int, attributes: int):
        from benchmarks import bench_data

        cycle = bench_data.cycle(self.manager, self.run, f"{label} {uuid.uuid4().hex[:4]}")
        return bench_data.reports(cycle, count, attributes, self.testers, self.owners)


class TaskWatch:
    """Which tasks are open, read from the database every 50 ms by one
    thread for every person (as their inbox would show them)."""

    def __init__(self, cycle_reports):
        from reviews.models import HumanTask

        self.ids = [cr.pk for cr in cycle_reports]
        self.HumanTask = HumanTask
        self.open: set[tuple[int, str, int]] = set()
        self.cond = threading.Condition()
        self.stopped = False
        self.thread = threading.Thread(target=self._poll, daemon=True)
        self.thread.start()

    def _poll(self):
        from django.db import connection

        while not self.stopped:
            rows = set(
                self.HumanTask.objects.filter(cycle_report_id__in=self.ids, state__in=self.HumanTask.ACTIVE_STATES)
                .values_list("cycle_report_id", "kind", "round")
            )
            with self.cond:
                self.open = rows
                self.cond.notify_all()
            time.sleep(0.05)
        connection.close()

    def wait(self, cr_id: int, kind: str, round_no: int = 1, timeout: float = 120):
        deadline = time.monotonic() + timeout
        with self.cond:
            while (cr_id, kind, round_no) not in self.open:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"report {cr_id}: no {kind} task after {timeout}s")
                self.cond.wait(left)

    def wait_all(self, kind: str, timeout: float):
        deadline = time.monotonic() + timeout
        with self.cond:
            while sum(1 for _, k, _r in self.open if k == kind) < len(self.ids):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"not every report has a {kind} task after {timeout}s")
                self.cond.wait(left)

    def stop(self):
        self.stopped = True
        self.thread.join(5)


def review_payload(cr) -> dict:
    from scoping.models import Recommendation

    return {
        "decisions": [
            {"attribute_id": a, "include": inc, "rationale": ""}
            for a, inc in Recommendation.objects.filter(cycle_report=cr).values_list("attribute_id", "include")
        ]
    }


def api(cr, what: str) -> str:
    return f"/api/cycles/{cr.cycle_id}/reports/{cr.report_id}/{what}"


def expect(status: int, body, ok: tuple, what: str):
    if status not in ok:
        raise RuntimeError(f"{what}: HTTP {status} {str(body)[:300]}")


def through_scoping(stack: Stack, crs, watch: TaskWatch, timings: dict | None = None) -> None:
    """One person's share of the reports: start, review as recommended,
    approve, until Sample Selection's task is open."""
    from django.db import connection

    try:
        for cr in crs:
            tester, owner = stack.client(cr.tester), stack.client(cr.report_owner)
            status, body, _ = tester.post(api(cr, "start"))
            expect(status, body, (200, 201, 202), "start")
            watch.wait(cr.pk, "tester_review")
            status, body, took = tester.post(api(cr, "tester-review"), review_payload(cr), {"Idempotency-Key": uuid.uuid4().hex})
            expect(status, body, (200,), "review")
            if timings is not None:
                timings.setdefault("tester_review", []).append(took)
            watch.wait(cr.pk, "report_owner_approval")
            status, body, took = owner.post(api(cr, "report-owner-approval"), {"approved": True, "comments": ""}, {"Idempotency-Key": uuid.uuid4().hex})
            expect(status, body, (200,), "approval")
            if timings is not None:
                timings.setdefault("report_owner_approval", []).append(took)
            watch.wait(cr.pk, "sample_selection")
            if timings is not None:
                select_and_approve_sample(stack, cr, tester, owner, watch, timings)
    finally:
        connection.close()


def population_csv(cr, rows: int = 60) -> bytes:
    names = list(cr.report.attributes.order_by("line_number").values_list("name", flat=True))
    lines = [",".join(names)]
    lines += [",".join([f"LN{r:06d}", *(f"{r * 7 + c}" for c in range(1, len(names)))]) for r in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def select_and_approve_sample(stack, cr, tester, owner, watch, timings) -> None:
    """Sample Selection's two submissions, after the report's population is
    uploaded (not timed)."""
    status, body, _ = tester.post_file(api(cr, "population"), "file", "population.csv", population_csv(cr))
    expect(status, body, (201,), "population upload")
    status, body, took = tester.post(api(cr, "sample-selection"), {"method": "random", "size": 10, "seed": 7}, {"Idempotency-Key": uuid.uuid4().hex})
    expect(status, body, (200,), "sample selection")
    timings.setdefault("sample_selection", []).append(took)
    watch.wait(cr.pk, "sample_approval")
    status, body, took = owner.post(api(cr, "sample-approval"), {"approved": True, "comments": ""}, {"Idempotency-Key": uuid.uuid4().hex})
    expect(status, body, (200,), "sample approval")
    timings.setdefault("sample_approval", []).append(took)


def run_stack_round(stack: Stack, count: int, attributes: int, people: int) -> tuple[float, dict]:
    crs = stack.make_reports("throughput", count, attributes)
    watch = TaskWatch(crs)
    shares = [crs[i::people] for i in range(people)]
    meter = stack.meter(bare=False)
    before = meter.read()
    started = time.perf_counter()
    with ThreadPoolExecutor(people) as pool:
        for f in [pool.submit(through_scoping, stack, share, watch) for share in shares]:
            f.result()
    wall = time.perf_counter() - started
    spent = ps.Meter.spent(before, meter.read())
    watch.stop()
    return wall, spent


def run_bare_round(stack: Stack, count: int, people: int, local: bool) -> tuple[float, dict]:
    from temporalio.client import Client

    from benchmarks import bare_temporal

    async def go():
        client = await Client.connect(stack.address)
        return await bare_temporal.drive(client, stack.bare_queue, list(range(count)), people, local, f"bare-{uuid.uuid4().hex[:6]}")

    meter = stack.meter(bare=True)
    before = meter.read()
    wall = asyncio.run(go())
    return wall, ps.Meter.spent(before, meter.read())


def cpu_line(spent: dict, count: int) -> str:
    per = {k: v / count for k, v in spent.items()}
    own = sum(v for k, v in per.items() if k not in ("other load",) and "client" not in k)
    parts = ", ".join(f"{k} {v:.3f}" for k, v in per.items())
    return f"{own:.3f} core-s/report without the load generator ({parts})"


def section_throughput(stack: Stack):
    a = stack.args
    print(f"\n## Throughput: {a.reports} reports x {a.attributes} attributes, {a.people} people at once, "
          f"{a.workers} worker process(es), best of {a.rounds}")
    best = {}
    for r in range(a.rounds):
        for side in ("stack", "bare, local activities", "bare, ordinary activities"):
            if side == "stack":
                wall, spent = run_stack_round(stack, a.reports, a.attributes, a.people)
            else:
                wall, spent = run_bare_round(stack, a.reports, a.people, local=side.startswith("bare, local"))
            rate = a.reports / wall
            print(f"  round {r + 1} {side:27s} {rate:5.2f} reports/s   {cpu_line(spent, a.reports)}")
            if side not in best or rate > best[side][0]:
                best[side] = (rate, spent)
    stack_rate = best["stack"][0]
    print(f"  best: stack {stack_rate:.2f}/s; bare with the same local activities {best['bare, local activities'][0]:.2f}/s "
          f"(ratio {stack_rate / best['bare, local activities'][0]:.2f}); bare with ordinary activities "
          f"{best['bare, ordinary activities'][0]:.2f}/s (ratio {stack_rate / best['bare, ordinary activities'][0]:.2f})")
    print(f"  stack CPU at its best round: {cpu_line(best['stack'][1], a.reports)}")


def section_latency(stack: Stack):
    a = stack.args
    n = a.latency_reports
    print(f"\n## Submissions over the API: a {a.latency_attributes}-decision review and its approval, then a sample of 10 and its approval")
    for people in (1, a.people):
        crs = stack.make_reports(f"latency {people}", n, a.latency_attributes)
        watch = TaskWatch(crs)
        timings: dict[str, list[float]] = {}
        shares = [crs[i::people] for i in range(people)]
        with ThreadPoolExecutor(people) as pool:
            for f in [pool.submit(through_scoping, stack, share, watch, timings) for share in shares]:
                f.result()
        watch.stop()
        for kind, values in timings.items():
            print(f"  {people} at once  {kind:22s} n={len(values):3d}  p50 {ms(pct(values, 50))}  p95 {ms(pct(values, 95))}  p99 {ms(pct(values, 99))}")


def section_pages(stack: Stack):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    a = stack.args
    print(f"\n## Pages at {a.page_attributes} attributes (server time in-process, DEBUG off)")
    (cr,) = stack.make_reports("pages", 1, a.page_attributes)
    watch = TaskWatch([cr])
    status, body, _ = stack.client(cr.tester).post(api(cr, "start"))
    expect(status, body, (200, 201, 202), "start")
    watch.wait(cr.pk, "tester_review", timeout=300)
    watch.stop()
    client = Client()
    client.force_login(cr.tester)
    # As gunicorn's workers do once the app is loaded (config/gunicorn.py).
    from config.long_lived import freeze_loaded_objects

    client.get(api(cr, "attributes"))
    freeze_loaded_objects()
    for label, path in (
        ("review page", f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/review/"),
        ("attributes API", api(cr, "attributes")),
    ):
        times, size = [], 0
        for _ in range(a.page_repeats):
            with CaptureQueriesContext(connection) as q:
                started = time.perf_counter()
                resp = client.get(path)
                times.append(time.perf_counter() - started)
            if resp.status_code != 200:
                raise RuntimeError(f"{label}: {resp.status_code}")
            size = len(resp.content)
        print(f"  {label:15s} p50 {ms(pct(times, 50))}  best {ms(min(times))}  {len(q)} queries  {size / 1024:.0f} KiB")


def start_many(stack: Stack, crs, threads: int = 8) -> float:
    from django.db import connection

    from cycles.workflow_start import start_workflow

    def go(share):
        try:
            for cr in share:
                start_workflow(cr)
        finally:
            connection.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        for f in [pool.submit(go, crs[i::threads]) for i in range(threads)]:
            f.result()
    return time.perf_counter() - started


def section_memory(stack: Stack):
    from reviews.models import HumanTask

    counts = [int(c) for c in stack.args.waiting.split(",") if c]
    print(f"\n## Worker memory with workflows waiting for a person ({', '.join(map(str, counts))})")
    stack.restart_worker()
    time.sleep(1)
    print(f"  fresh worker: {ps.rss_mb(stack.worker.pid):.0f} MB")
    waiting = 0
    for count in counts:
        crs = stack.make_reports(f"memory {count}", count - waiting, 5)
        took = start_many(stack, crs)
        ids = [cr.pk for cr in crs]

        def all_waiting():
            return HumanTask.objects.filter(cycle_report_id__in=ids, kind="tester_review").count() == len(ids)

        ps.wait_for(all_waiting, 60 + count / 5, f"{count} workflows to wait for their tester", interval=0.5)
        waiting = count
        print(f"  {count:6d} waiting: worker RSS {ps.rss_mb(stack.worker.pid):.0f} MB (started in {took:.1f} s)")


def section_cycle_start(stack: Stack):
    n = stack.args.cycle_reports
    print(f"\n## Starting a {n}-report cycle")
    crs = stack.make_reports("cycle start", n, 5)
    cycle_id = crs[0].cycle_id
    manager = stack.client(stack.manager)
    from temporalio.client import Client

    async def running() -> int:
        client = await Client.connect(stack.address)
        query = f'WorkflowId STARTS_WITH "test-cycle-{cycle_id}-report-" AND ExecutionStatus = "Running"'
        return (await client.count_workflows(query)).count

    started = time.perf_counter()
    status, body, _ = manager.post(f"/api/cycles/{cycle_id}/start")
    if status == 404:
        print("  (no cycle start API on this code: started report by report, 8 threads)")
        start_many(stack, crs)
    else:
        expect(status, body, (202,), "cycle start")
    ps.wait_for(lambda: asyncio.run(running()) >= n, 120, f"{n} workflows running", interval=0.2)
    print(f"  every workflow running after {time.perf_counter() - started:.1f} s")


SECTIONS = {
    "throughput": section_throughput,
    "latency": section_latency,
    "pages": section_pages,
    "memory": section_memory,
    "cycle-start": section_cycle_start,
}


def main():
    # A stopped benchmark (timeout, Ctrl-C) still stops the stack it started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    args = parse_args()
    stack = Stack(args)
    print(f"# Stack vs bare Temporal, {os.cpu_count()} cores, load average before: {os.getloadavg()[0]:.2f}")
    try:
        stack.start()
        for name in args.only.split(","):
            SECTIONS[name.strip()](stack)
    finally:
        print(f"\nload average after: {os.getloadavg()[0]:.2f}")
        stack.stop()


if __name__ == "__main__":
    main()
