"""Scale out: two gunicorn web servers and two `manage.py run_worker`
processes on one machine, sharing one PostgreSQL database and one Temporal
server, complete every report exactly once.

The test drives N reports at once through the REST API over HTTP, each
request going to the other web server than the one before; half of them
take a rejection round. It then checks every workflow completed, each report
has exactly the expected submissions, owner decisions, tasks and audit
events (none twice), that both web servers and both workers did work (the
process identities in the workflow histories), and reports the wall time.

PostgreSQL only: several processes writing one SQLite file is not a
deployment this product supports. Process logs and a timing summary are
kept under artifacts/scale-out/."""
from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from itertools import count
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowExecutionStatus

from cycles import roles
from cycles.models import CycleReport
from reviews.models import AuditEvent, HumanTask, InboundSubmission
from scoping.models import OwnerDecision, ScopingSubmission

from . import server_processes as ph
from . import factories, helpers
from . import workflow_histories as wh
from .factories import PASSWORD, scoped_report
from .temporal_harness import env_flag, wait_until

pytestmark = [pytest.mark.temporal, pytest.mark.scale_out]

# How many reports at once; SCALE_OUT_REPORTS=30 to measure a bigger batch.
REPORTS = int(os.environ.get("SCALE_OUT_REPORTS", "6"))
ARTIFACTS = Path(settings.BASE_DIR) / "artifacts" / "scale-out"
SEND_BACK = "Put the first overridden attribute back in scope."


def _require_postgresql():
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine == "django.db.backends.postgresql":
        return
    message = (
        f"the scale-out test needs PostgreSQL (DATABASE_URL=postgres://...), not {engine}: "
        "two web servers and two workers writing one SQLite file is not a supported deployment"
    )
    if env_flag("CI"):
        pytest.fail(message + "; CI must run it")
    pytest.skip(message)


class Http:
    """A token-authenticated JSON client for one user, any server."""

    def __init__(self, token: str):
        self.token = token

    @staticmethod
    def call(method: str, url: str, body=None, headers=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(url, data=data, method=method)
        req.add_header("Accept", "application/json")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                return e.code, json.loads(raw)
            except ValueError:
                return e.code, raw.decode(errors="replace")[:2000]

    def __call__(self, method, url, body=None, key=None):
        headers = {"Authorization": f"Token {self.token}"}
        if key:
            headers["Idempotency-Key"] = key
        return self.call(method, url, body, headers)


def _log_in(url: str, user) -> Http:
    status, body = Http.call("POST", f"{url}/api/auth/token/", {"username": user.username, "password": PASSWORD})
    assert status == 200, body
    return Http(body["token"])


def _make_reports():
    """Two testers and two owners sharing one cycle; the web servers check
    passwords with the production hasher, so give them such hashes."""
    hasher = PBKDF2PasswordHasher()
    people = {}
    for name, role in [("tester", roles.TESTER), ("owner", roles.REPORT_OWNER)]:
        for i in range(2):
            u = factories.UserFactory(username=f"scale-{name}{i}", role=role)
            u.password = hasher.encode(PASSWORD, hasher.salt())
            u.save(update_fields=["password"])
            people[f"{name}{i}"] = u
    cycle = factories.TestCycleFactory()
    return [
        scoped_report(
            attributes=6,
            cycle=cycle,
            tester=people[f"tester{i % 2}"],
            report=factories.ReportFactory(owner=people[f"owner{i % 2}"]),
            data_provider=None,
        )
        for i in range(REPORTS)
    ], people


def _drive(i: int, cr: CycleReport, rounds: int, servers: list[str], clients: dict) -> float:
    """One report through `rounds` reviews, alternating web servers."""
    turn = count(i)
    base = f"/api/cycles/{cr.cycle_id}/reports/{cr.report_id}"
    tester, owner = clients[cr.tester_id], clients[cr.report_owner_id]

    def at(path: str) -> str:
        return servers[next(turn) % len(servers)] + base + path

    def status(who):
        code, body = who("GET", at("/status"))
        assert code == 200, body
        return body

    def awaiting(who, action, round_no):
        return wait_until(
            lambda: (s := status(who))["awaiting_action"] == action and s["round"] == round_no and s,
            timeout=90, interval=0.1, message=f"report {i} awaiting {action} round {round_no}",
        )

    started = time.monotonic()
    code, body = tester("POST", at("/start"))
    assert code == 201, body
    for round_no in range(1, rounds + 1):
        awaiting(tester, "tester_review", round_no)
        code, attributes = tester("GET", at("/attributes"))
        assert code == 200, attributes
        decisions = [
            {"attribute_id": a["id"], "include": a["recommendation"]["include"], "rationale": ""} for a in attributes
        ]
        if round_no == 1:  # one override, with its rationale
            flip = next(d for d, a in zip(decisions, attributes) if d["include"] and not a["is_primary_key"])
            flip.update(include=False, rationale="Covered by the reconciliation control")
        key = f"review-{cr.pk}-{round_no}-{uuid.uuid4().hex[:6]}"
        code, first = tester("POST", at("/tester-review"), {"decisions": decisions}, key=key)
        assert code == 200 and first["version"] == round_no, first
        # A client retry with the same key, through the other server: same answer, nothing new.
        assert tester("POST", at("/tester-review"), {"decisions": decisions}, key=key) == (200, first)

        awaiting(owner, "report_owner_approval", round_no)
        approved = round_no == rounds
        decision = {"approved": approved, "comments": "" if approved else SEND_BACK}
        key = f"approval-{cr.pk}-{round_no}-{uuid.uuid4().hex[:6]}"
        code, first = owner("POST", at("/report-owner-approval"), decision, key=key)
        assert code == 200, first
        assert owner("POST", at("/report-owner-approval"), decision, key=key) == (200, first)
    # Sample Selection: the population (stored through the service: the
    # upload is not what this test exercises), a sample retried through the
    # other server, the owner's approval.
    awaiting(tester, "sample_selection", 1)
    from django.core.files.uploadedfile import SimpleUploadedFile

    from sampling.selection import upload_population

    upload_population(cr, SimpleUploadedFile("loans.csv", helpers.population_csv(cr, rows=12)), "loans.csv", None, cr.tester)
    key = f"sample-{cr.pk}-{uuid.uuid4().hex[:6]}"
    selection = {"method": "random", "size": 3, "seed": 5}
    code, first = tester("POST", at("/sample-selection"), selection, key=key)
    assert code == 200 and first["samples"] == 3 and first["seed"] == 5, first
    assert tester("POST", at("/sample-selection"), selection, key=key) == (200, first)
    awaiting(owner, "sample_approval", 1)
    code, first = owner("POST", at("/sample-approval"), {"approved": True, "comments": ""}, key=f"sample-ok-{cr.pk}")
    assert code == 200, first
    # Evidence: the files stored through the service (the uploads are not
    # what this test exercises), the submission and the review through the
    # web servers. These reports name no data provider: their owners provide.
    awaiting(owner, "evidence_submission", 1)
    from evidence import rounds as evidence_rounds
    from evidence import uploads

    samples = []
    for item in evidence_rounds.awaiting_evidence(cr):
        uploads.store(cr, item, SimpleUploadedFile(f"{item.record.key}.pdf", helpers.evidence_pdf()), cr.report_owner)
        samples.append({"sample_id": item.pk, "source_values": helpers.source_values(cr, item)})
    code, first = owner("POST", at("/evidence-submission"), {"samples": samples}, key=f"evidence-{cr.pk}")
    assert code == 200, first
    awaiting(tester, "evidence_review", 1)
    decisions = [{"sample_id": s["sample_id"], "accepted": True} for s in samples]
    code, first = tester("POST", at("/evidence-review"), {"decisions": decisions}, key=f"evidence-ok-{cr.pk}")
    assert code == 200, first
    wait_until(
        lambda: status(tester)["phase_progress"].get("Evidence") == "completed",
        timeout=90, interval=0.1, message=f"report {i} to complete",
    )
    return time.monotonic() - started


def _identities(temporal_env, workflow_ids) -> dict[str, Counter]:
    """Which process did what, from the workflow histories: the pid part of
    each Temporal client identity ("pid@host")."""
    starters, updaters, workflow_tasks, activities = Counter(), Counter(), Counter(), Counter()

    async def collect():
        client = temporal_env.env.client
        for wf_id in workflow_ids:
            history = await client.get_workflow_handle(wf_id).fetch_history()
            by_id = {e.event_id: e for e in history.events}
            for e in history.events:
                if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
                    starters[e.workflow_execution_started_event_attributes.identity] += 1
                elif e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
                    updaters[e.workflow_execution_update_accepted_event_attributes.accepted_request.meta.identity] += 1
                elif e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED:
                    workflow_tasks[e.workflow_task_started_event_attributes.identity] += 1
                elif e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
                    activities[e.activity_task_started_event_attributes.identity] += 1
                elif e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED and e.marker_recorded_event_attributes.marker_name == wh.LOCAL_ACTIVITY_MARKER:
                    # A local activity runs in the worker that completed the
                    # workflow task asking for it.
                    asked_by = by_id[e.marker_recorded_event_attributes.workflow_task_completed_event_id]
                    activities[asked_by.workflow_task_completed_event_attributes.identity] += 1

    temporal_env.run(collect(), timeout=120)

    def by_pid(c: Counter) -> Counter:
        out = Counter()
        for identity, n in c.items():
            out[int(identity.split("@", 1)[0])] += n
        return out

    return {
        "starters": by_pid(starters),
        "updaters": by_pid(updaters),
        "workflow_tasks": by_pid(workflow_tasks),
        "activities": by_pid(activities),
    }


def _expected_events(rounds: int) -> Counter:
    per_round = ["task_opened", "submission_accepted", "task_opened"]
    events = ["workflow_started", "phase_started", "recommendations_generated"]
    events += per_round * rounds + ["changes_requested"] * (rounds - 1) + ["approved", "phase_completed", "notice_sent"]
    # Sample Selection, approved the first time.
    events += ["phase_started", "task_opened", "file_uploaded", "submission_accepted", "task_opened", "approved",
               "phase_completed", "notice_sent"]
    # Evidence: a file per record of the sample of 3, every record accepted.
    events += ["phase_started", "task_opened", *["file_uploaded"] * 3, "submission_accepted", "task_opened",
               "submission_accepted", "phase_completed", "notice_sent"]
    return Counter(events)


def test_two_web_servers_and_two_workers_complete_every_report_exactly_once(temporal_env, transactional_db, capsys):
    _require_postgresql()
    reports, _people = _make_reports()
    rounds = {cr.pk: 2 if i % 2 == 0 else 1 for i, cr in enumerate(reports)}
    # A queue of its own: only the two worker processes serve these workflows.
    env = ph.service_env(
        TEMPORAL_TASK_QUEUE=f"scale-out-{uuid.uuid4().hex[:8]}",
        TEMPORAL_WORKER_ACTIVITY_THREADS="4",
        LOG_LEVEL="WARNING",
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    processes: list[ph.Process] = []
    try:
        web = [ph.start_web(f"web{n}", env, ARTIFACTS) for n in (1, 2)]
        workers = [ph.start_worker(f"worker{n}", env, ARTIFACTS) for n in (1, 2)]
        processes += [p for p, _ in web] + workers
        for p, url in web:
            ph.wait_web_ready(p, url)
        for w in workers:
            ph.wait_worker_ready(w)
        servers = [url for _, url in web]

        people = {cr.tester for cr in reports} | {cr.report_owner for cr in reports}
        clients = {u.pk: _log_in(servers[n % 2], u) for n, u in enumerate(sorted(people, key=lambda u: u.username))}

        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=REPORTS) as pool:
            futures = [pool.submit(_drive, i, cr, rounds[cr.pk], servers, clients) for i, cr in enumerate(reports)]
            per_report = [f.result(timeout=300) for f in futures]
        wall = time.monotonic() - started

        for p in processes:
            p.check_alive()
        web_pids = [p.children() for p, _ in web]
        worker_pids = {w.pid for w in workers}
        identities = _identities(temporal_env, [cr.expected_workflow_id for cr in reports])
    finally:
        for p in reversed(processes):
            p.stop()
        _terminate_running(temporal_env, env["TEMPORAL_TASK_QUEUE"])

    # Every workflow completed, with the versions its rounds produced.
    async def outcomes():
        client = temporal_env.env.client
        out = {}
        for cr in reports:
            handle = client.get_workflow_handle(cr.expected_workflow_id)
            out[cr.pk] = ((await handle.describe()).status, await handle.result())
        return out

    finished = temporal_env.run(outcomes(), timeout=120)
    for cr in reports:
        status, result = finished[cr.pk]
        n = rounds[cr.pk]
        assert status == WorkflowExecutionStatus.COMPLETED
        assert result["phases"] == {"Scoping": "completed", "Sample Selection": "completed", "Evidence": "completed"}

    # Exactly once in the database: versions, decisions, tasks, inbound messages, audit events.
    for cr in reports:
        n = rounds[cr.pk]
        cr.refresh_from_db()
        assert helpers.phase_status(cr, "Scoping") == "completed" and cr.completed_at
        subs = list(ScopingSubmission.objects.filter(cycle_report=cr).order_by("version"))
        assert [(s.version, s.overrides) for s in subs] == [(v, 1 if v == 1 else 0) for v in range(1, n + 1)]
        decisions = list(OwnerDecision.objects.filter(submission__cycle_report=cr).order_by("id"))
        assert [d.outcome for d in decisions] == ["changes_requested"] * (n - 1) + ["approved"]
        assert [d.submission.version for d in decisions] == list(range(1, n + 1))
        tasks = HumanTask.objects.filter(cycle_report=cr)
        assert sorted(tasks.values_list("kind", "round")) == sorted(
            [(k, r) for r in range(1, n + 1) for k in ("report_owner_approval", "tester_review")]
            + [("sample_selection", 1), ("sample_approval", 1), ("evidence_submission", 1), ("evidence_review", 1)]
        )
        assert set(tasks.values_list("state", flat=True)) == {"completed"}
        inbound = InboundSubmission.objects.filter(cycle_report=cr)
        assert inbound.count() == 2 * n + 4  # the retries made none
        assert set(inbound.values_list("state", flat=True)) == {InboundSubmission.State.ACCEPTED}
        events = Counter(AuditEvent.objects.filter(cycle_report=cr).values_list("event", flat=True))
        assert events == _expected_events(n), cr

    # Both web servers started and messaged workflows; both workers ran them.
    web_children = set().union(*web_pids)
    assert all(len(c) == 1 for c in web_pids), web_pids
    for kind in ("starters", "updaters"):
        assert set(identities[kind]) == web_children, (kind, identities[kind], web_pids)
    assert set(identities["workflow_tasks"]) <= worker_pids
    assert set(identities["activities"]) == worker_pids, (identities["activities"], worker_pids)
    assert set(identities["workflow_tasks"]) | set(identities["activities"]) == worker_pids

    summary = {
        "reports": REPORTS,
        "rounds": sum(rounds.values()),
        "web_servers": 2,
        "workers": 2,
        "wall_seconds": round(wall, 2),
        "per_report_seconds": [round(s, 2) for s in per_report],
        "workflow_tasks_by_worker": {str(k): v for k, v in identities["workflow_tasks"].items()},
        "activities_by_worker": {str(k): v for k, v in identities["activities"].items()},
        "starts_by_web_process": {str(k): v for k, v in identities["starters"].items()},
        "updates_by_web_process": {str(k): v for k, v in identities["updaters"].items()},
    }
    (ARTIFACTS / "summary.json").write_text(json.dumps(summary, indent=2))
    with capsys.disabled():  # the figure belongs in the CI log
        print(
            f"\nscale-out: {REPORTS} reports ({summary['rounds']} review rounds) through 2 web servers and "
            f"2 workers in {wall:.1f}s; activities per worker {summary['activities_by_worker']}"
        )


def _terminate_running(temporal_env, task_queue: str) -> None:
    async def go():
        client = temporal_env.env.client
        async for wf in client.list_workflows(f'TaskQueue="{task_queue}" AND ExecutionStatus="Running"'):
            try:
                await client.get_workflow_handle(wf.id, run_id=wf.run_id).terminate("test over")
            except Exception:
                pass

    temporal_env.run(go(), timeout=60)
