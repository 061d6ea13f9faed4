"""The workflow id on every log line about a workflow.

Three places know which workflow a line is about:
- an activity: Temporal's activity context (`activity.info().workflow_id`),
  set in the activity's own thread by the SDK;
- workflow code: `workflow.logger` puts a `temporal_workflow` dict on the record;
- a web request for a report in a cycle: the URL names the cycle and the
  report, and the workflow id follows from them (one workflow per report in a
  cycle); `WorkflowIdMiddleware` binds it for the request.
Anything else (a Celery task, say) passes `extra={"workflow_id": ...}`.

The filter belongs on the handler (not a logger) so that it sees every record
that reaches the output, whichever logger emitted it.
"""
from __future__ import annotations

import contextvars
import logging

from temporalio import activity

from cycles.workflow_types import workflow_id_for

_workflow_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("workflow_id", default=None)


class WorkflowIdFilter(logging.Filter):
    """Adds `workflow_id` (and, inside an activity, `workflow_run_id` and
    `activity_type`) to each record that is about a workflow. Never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "workflow_id", None):
            return True
        if activity.in_activity():
            info = activity.info()
            record.workflow_id = info.workflow_id
            record.workflow_run_id = info.workflow_run_id
            record.activity_type = info.activity_type
            return True
        wf = getattr(record, "temporal_workflow", None)
        if isinstance(wf, dict) and wf.get("workflow_id"):
            record.workflow_id = wf["workflow_id"]
            record.workflow_run_id = wf.get("run_id")
            return True
        bound = _workflow_id.get()
        if bound:
            record.workflow_id = bound
        return True


class WorkflowIdMiddleware:
    """Binds the workflow id of the report in a cycle that the request's URL names."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _workflow_id.set(None)
        try:
            return self.get_response(request)
        finally:
            _workflow_id.reset(token)

    def process_view(self, request, view_func, view_args, view_kwargs):
        cycle_id, report_id = view_kwargs.get("cycle_id"), view_kwargs.get("report_id")
        if cycle_id is not None and report_id is not None:
            # Same id as CycleReport.expected_workflow_id, without a query.
            _workflow_id.set(workflow_id_for(cycle_id, report_id))
        return None
