"""Structured logs: one JSON object per line, and every line about a workflow
carries its id, from activities (the activity context) and from views (the
URL names the report in a cycle)."""
import io
import json
import logging
import os
import signal
import subprocess
import sys
import uuid

import pytest
from django.test import Client

from config.logging_config import build
from cycles import temporal_client
from cycles.workflow_start import start_workflow
from cycles import workflow_types as t
from scoping import workflow_steps as s

from .factories import scoped_report
from .helpers import start, wait_for_task
from .container_harness import closed_port
from .logging_workflow import MESSAGE
from .process_harness import BASE_DIR, WorkerProcess
from .temporal_harness import wait_until

JSON_MODE = {"LOG_FORMAT": "json", "LOG_LEVEL": "INFO"}


def only_json_lines(text: str) -> list[dict]:
    """Every line of a process's output, parsed; any other line fails."""
    records = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            raise AssertionError(f"not a JSON line: {line!r}\n--- output ---\n{text[-12000:]}") from None
        assert isinstance(record, dict), line
        assert {"timestamp", "level", "logger", "message"} <= record.keys(), line
        records.append(record)
    assert records, "no output at all"
    return records


@pytest.fixture
def json_lines():
    """A handler configured exactly as LOG_FORMAT=json configures the console."""
    import logging.config

    cfg = build("json", "INFO")
    stream = io.StringIO()
    cfg["handlers"]["console"].update({"stream": stream})
    cfg["root"]["handlers"] = ["console"]
    cfg["loggers"] = {}
    # Configure a private copy of the handler through logging's own machinery,
    # then attach it to the root logger next to whatever is already there.
    configurator = logging.config.DictConfigurator(cfg)
    saved = logging.root.handlers[:], logging.root.level
    configurator.configure()
    handler = logging.root.handlers[0]
    logging.root.handlers = [*saved[0], handler]
    logging.root.setLevel(logging.INFO)

    def lines():
        return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]

    yield lines
    logging.root.handlers, _ = saved
    logging.root.setLevel(saved[1])


def test_activity_lines_carry_the_workflow_id(temporal, json_lines):
    cr = scoped_report(attributes=3)
    client = Client()
    client.force_login(cr.tester)
    assert start(client, cr).status_code == 201
    wait_for_task(cr, s.TESTER_REVIEW)
    wf_id = t.workflow_id_for(cr.cycle_id, cr.report_id)
    line = wait_until(
        lambda: next((r for r in json_lines() if r.get("activity_type") and r.get("workflow_id") == wf_id), None),
        timeout=20,
        message="a JSON log line from an activity",
    )
    assert line["logger"] == "cycles.activities"
    assert line["level"] == "INFO"
    assert "completed" in line["message"]
    assert line["workflow_run_id"]
    assert "timestamp" in line and isinstance(line["duration_ms"], float)


def test_view_lines_carry_the_workflow_id_from_the_url(temporal, json_lines, settings):
    cr = scoped_report(attributes=3)
    cr.workflow_run_id = "some-run"
    cr.save(update_fields=["workflow_run_id"])
    settings.TEMPORAL_ADDRESS = f"127.0.0.1:{closed_port()}"
    temporal_client.reset()
    try:
        client = Client()
        client.force_login(cr.tester)
        response = client.get(f"/api/cycles/{cr.cycle_id}/reports/{cr.report_id}/status")
    finally:
        temporal_client.reset()
    assert response.status_code == 200 and response.json()["source"] == "database"
    warning = next(r for r in json_lines() if r["logger"] == "reviews.status")
    assert warning["level"] == "WARNING"
    assert warning["workflow_id"] == t.workflow_id_for(cr.cycle_id, cr.report_id)


def test_lines_about_no_workflow_have_none(db, json_lines):
    logging.getLogger("regtest.test").info("nothing to do with a workflow")
    (line,) = [r for r in json_lines() if r["logger"] == "regtest.test"]
    assert line["message"] == "nothing to do with a workflow"
    assert "workflow_id" not in line


def test_workflow_logger_lines_carry_the_workflow_id(db, json_lines):
    # What temporalio's workflow.logger and the worker put on a record.
    details = {"workflow_id": "test-cycle-1-report-2", "run_id": "r1", "workflow_type": "TestCycleWorkflow"}
    logging.getLogger("temporalio.workflow").warning("replayed", extra={"temporal_workflow": details})
    (line,) = [r for r in json_lines() if r["logger"] == "temporalio.workflow"]
    assert line["workflow_id"] == "test-cycle-1-report-2"
    assert line["workflow_run_id"] == "r1"


def test_the_worker_process_in_json_mode_writes_only_json_lines(temporal, settings):
    """A real `manage.py run_worker` under LOG_FORMAT=json, from start to a
    clean stop, running a real workflow's activities: every line is JSON."""
    settings.TEMPORAL_TASK_QUEUE = f"json-{uuid.uuid4().hex[:8]}"  # only the child process polls it
    client = temporal.env.client
    worker = WorkerProcess(
        client.service_client.config.target_host, settings.TEMPORAL_TASK_QUEUE, client.namespace, extra_env=JSON_MODE
    )
    cr = scoped_report(attributes=3)
    handle = None
    try:
        worker.start()
        started = start_workflow(cr, actor=cr.tester)
        handle = client.get_workflow_handle(started.workflow_id)
        wait_for_task(cr, s.TESTER_REVIEW, timeout=60)
        wait_until(lambda: '"activity_type"' in worker.output(), timeout=30, message="an activity's log line")
        worker.signal(signal.SIGTERM)
        assert worker.wait(60) == 0, worker.output()
        out = worker.output()
    finally:
        if handle is not None:
            temporal.run(handle.terminate("test over"))
        worker.close()
    records = only_json_lines(out)
    messages = [r["message"] for r in records]
    assert any(m.startswith("Worker polling task queue") for m in messages), messages
    assert messages[-1] == "Worker stopped"
    assert any(r.get("activity_type") and r.get("workflow_id") == cr.expected_workflow_id for r in records)


def test_a_workflow_logger_line_from_workflow_code_is_a_json_line(temporal_env):
    """workflow.logger from workflow code, on a worker built by build_worker,
    configured by the project's LOGGING in JSON mode (a child process: the
    whole of its output is checked)."""
    workflow_id = f"logging-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        **JSON_MODE,
        "TEMPORAL_ADDRESS": temporal_env.env.client.service_client.config.target_host,
        "TEMPORAL_NAMESPACE": temporal_env.env.client.namespace,
        "TEMPORAL_TASK_QUEUE": f"json-wf-{uuid.uuid4().hex[:8]}",
        "PYTHONUNBUFFERED": "1",
    }
    done = subprocess.run(
        [sys.executable, "-m", "tests.json_log_worker", workflow_id],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    records = only_json_lines(done.stdout + done.stderr)
    from_workflow = [r for r in records if r["logger"] == "temporalio.workflow"]
    info = next(r for r in from_workflow if MESSAGE in r["message"])
    assert info["level"] == "INFO"
    assert info["workflow_id"] == workflow_id and info["workflow_run_id"]
    warning = next(r for r in from_workflow if r["level"] == "WARNING")
    assert "with a newline\nin it" in warning["message"]  # one line all the same
    assert warning["workflow_id"] == workflow_id
