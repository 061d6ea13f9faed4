"""Issue 9, item 7: a namespace without the workflow's custom search
attributes. Every workflow's task would fail at its first upsert and stay
stuck while the pages showed the database's status; instead the worker
refuses to start and says how to register them (or registers them when
asked, where the server allows it), and `run_worker --check` and `/readyz`
report them missing. With TEMPORAL_SEARCH_ATTRIBUTES=false none of it applies.

The server is a real dev server started WITHOUT the attributes (the
session's own has them registered)."""
import asyncio
import subprocess
import sys
import uuid

import pytest
from django.test import Client

from cycles import search_attributes, temporal_client
from cycles.workflow_start import start_workflow
from cycles import workflow_types as t
from scoping import workflow_steps as s

from .factories import scoped_report
from .helpers import wait_for_task
from .process_harness import BASE_DIR, DevServer, WorkerProcess
from .temporal_harness import wait_until

FRESH = "regtest-fresh"  # a second namespace, for the test that registers them

COMMANDS = [
    f"temporal operator search-attribute create --namespace default --name {t.SA_AWAITING_ACTION} --type Keyword",
    f"temporal operator search-attribute create --namespace default --name {t.SA_AWAITING_ASSIGNEE} --type Keyword",
    f"temporal operator search-attribute create --namespace default --name {t.SA_AWAITING_SINCE} --type Datetime",
]


@pytest.fixture(scope="module")
def bare_server(tmp_path_factory):
    server = DevServer(str(tmp_path_factory.mktemp("bare-temporal")), search_attributes=False, namespaces=(FRESH,))
    server.start()
    try:
        yield server
    finally:
        server.stop()


def registered(server: DevServer, namespace: str) -> list[str]:
    """What the namespace lacks, asked of the server directly."""

    async def go():
        from temporalio.client import Client as TemporalClient

        client = await TemporalClient.connect(server.address, namespace=namespace)
        return await search_attributes.problems(client, namespace)

    return asyncio.run(go())


@pytest.fixture
def pointed_at(settings):
    """Point this process (views, services, /readyz) at a Temporal server."""

    def point(server: DevServer, namespace: str = "default", task_queue: str | None = None):
        settings.TEMPORAL_ADDRESS = server.address
        settings.TEMPORAL_NAMESPACE = namespace
        settings.TEMPORAL_TASK_QUEUE = task_queue or f"bare-{uuid.uuid4().hex[:8]}"
        temporal_client.reset()
        return settings.TEMPORAL_TASK_QUEUE

    yield point
    temporal_client.reset()


def run_worker_check(server: DevServer, **env) -> subprocess.CompletedProcess:
    import os

    return subprocess.run(
        [sys.executable, "manage.py", "run_worker", "--check"],
        cwd=BASE_DIR,
        env={**os.environ, "TEMPORAL_ADDRESS": server.address, "TEMPORAL_NAMESPACE": "default", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_run_worker_refuses_to_start_and_says_how_to_register_them(bare_server, db):
    worker = WorkerProcess(bare_server.address, f"bare-{uuid.uuid4().hex[:8]}")
    try:
        worker.launch()
        code = worker.wait(90)
        out = worker.output()
    finally:
        worker.close()
    assert code == 1, out  # a configuration to fix, not "unreachable" (3)
    assert "Worker polling" not in out
    for name in (t.SA_AWAITING_ACTION, t.SA_AWAITING_ASSIGNEE, t.SA_AWAITING_SINCE):
        assert f"{name} (" in out and "is missing" in out
    for line in COMMANDS:
        assert line in out, out
    assert "TEMPORAL_SEARCH_ATTRIBUTES=false" in out
    assert "--register-search-attributes" in out
    assert "does not start without them" in out
    assert "Traceback" not in out


def test_run_worker_check_fails_naming_them(bare_server):
    done = run_worker_check(bare_server)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "lacks the workflow's search attributes" in done.stderr
    for line in COMMANDS:
        assert line in done.stderr
    assert "is reachable" not in done.stdout


def test_readyz_answers_503_naming_the_missing_search_attributes(bare_server, pointed_at, db):
    pointed_at(bare_server)
    response = Client().get("/readyz")
    assert response.status_code == 503, response.content
    body = response.json()
    assert "temporal" in body["not_ready"]
    assert body["checks"]["temporal"]["ok"] is False
    assert body["checks"]["temporal"]["error"] == "MissingSearchAttributes"
    assert str(bare_server.port) not in response.content.decode()  # no addresses
    # Temporal itself answers: only the attributes are wrong.
    assert temporal_client.breaker().is_open is False


def test_without_search_attributes_nothing_is_required_and_workflows_run(bare_server, pointed_at, transactional_db, settings):
    settings.TEMPORAL_SEARCH_ATTRIBUTES = False
    queue = pointed_at(bare_server)
    check = run_worker_check(bare_server, TEMPORAL_SEARCH_ATTRIBUTES="false")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "is reachable" in check.stdout

    response = Client().get("/readyz")
    assert response.json()["checks"]["temporal"] == {"ok": True, "ms": response.json()["checks"]["temporal"]["ms"]}

    worker = WorkerProcess(bare_server.address, queue, extra_env={"TEMPORAL_SEARCH_ATTRIBUTES": "false"})
    try:
        worker.start()
        cr = scoped_report(attributes=2)
        start_workflow(cr, actor=cr.tester)
        # Past the point where an upsert would have failed the task for good.
        task = wait_for_task(cr, s.TESTER_REVIEW, timeout=60)
        assert task.assignee == cr.tester
    finally:
        worker.close()
    assert registered(bare_server, "default")  # nothing was registered on the way


def test_register_flag_registers_them_and_workflows_run_past_their_first_upsert(bare_server, pointed_at, transactional_db):
    assert len(registered(bare_server, FRESH)) == 3
    queue = pointed_at(bare_server, namespace=FRESH)
    worker = WorkerProcess(bare_server.address, queue, namespace=FRESH, args=("--register-search-attributes",))
    handle = None
    try:
        worker.start()
        assert "Registered the search attributes AwaitingAction, AwaitingAssignee, AwaitingSince" in worker.output()
        assert registered(bare_server, FRESH) == []

        cr = scoped_report(attributes=2)
        started = start_workflow(cr, actor=cr.tester)
        wait_for_task(cr, s.TESTER_REVIEW, timeout=60)

        async def awaiting():
            from temporalio.client import Client as TemporalClient

            client = await TemporalClient.connect(bare_server.address, namespace=FRESH)
            described = await client.get_workflow_handle(started.workflow_id).describe()
            return described.search_attributes.get(t.SA_AWAITING_ACTION)

        assert wait_until(lambda: asyncio.run(awaiting()), timeout=30, message="AwaitingAction set") == [s.TESTER_REVIEW]
        handle = started.workflow_id
    finally:
        worker.close()
        if handle:

            async def terminate():
                from temporalio.client import Client as TemporalClient

                client = await TemporalClient.connect(bare_server.address, namespace=FRESH)
                await client.get_workflow_handle(handle).terminate("test over")

            asyncio.run(terminate())
    # The default namespace, never asked to register, still lacks them.
    assert len(registered(bare_server, "default")) == 3
