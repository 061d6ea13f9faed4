"""Structured logs: one JSON object per line, and every line about a workflow
carries its id, from activities (the activity context) and from views (the
URL names the report in a cycle)."""
import io
import json
import logging

import pytest
from django.test import Client

from config.logging_config import build
from cycles import temporal_client
from cycles import workflow_types as t

from .factories import scoped_report
from .helpers import start, wait_for_task
from .container_harness import closed_port
from .temporal_harness import wait_until


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
    wait_for_task(cr, t.TESTER_REVIEW)
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
    warning = next(r for r in json_lines() if r["logger"] == "cycles.services")
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
