"""Starting a report's workflow and reading where it is."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from temporalio.client import WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from reviews import audit
from reviews.models import AuditEvent, HumanTask, InboundSubmission

from . import temporal_client
from . import workflow_types as t
from .models import CycleReport

log = logging.getLogger(__name__)


class TemporalUnavailable(Exception):
    pass


@dataclass
class Started:
    workflow_id: str
    run_id: str
    created: bool


def start_workflow(cycle_report: CycleReport, actor=None) -> Started:
    """Start the report's workflow; a repeat returns the existing run."""
    wf_id = cycle_report.expected_workflow_id
    inp = t.TestCycleInput(
        cycle_id=cycle_report.cycle_id,
        report_id=cycle_report.report_id,
        cycle_report_id=cycle_report.pk,
        use_search_attributes=settings.TEMPORAL_SEARCH_ATTRIBUTES,
    )

    async def go(client):
        try:
            handle = await client.start_workflow(
                t.WORKFLOW_NAME,
                inp,
                id=wf_id,
                task_queue=settings.TEMPORAL_TASK_QUEUE,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            )
        except WorkflowAlreadyStartedError:
            # Finished already: the id is never reused, a report is scoped once.
            return (await client.get_workflow_handle(wf_id).describe()).run_id
        return handle.result_run_id

    try:
        run_id = temporal_client.call(go)
    except (RPCError, RuntimeError, TimeoutError, OSError) as exc:
        raise TemporalUnavailable(str(exc)) from exc
    with transaction.atomic():
        updated = CycleReport.objects.filter(pk=cycle_report.pk).exclude(workflow_run_id=run_id).update(
            workflow_id=wf_id, workflow_run_id=run_id
        )
        if updated:
            audit.record(
                AuditEvent.Event.WORKFLOW_STARTED,
                cycle_report,
                actor=actor,
                workflow_id=wf_id,
                run_id=run_id,
                detail="Workflow started",
                dedupe_key=f"{wf_id}:{run_id}:started",
            )
    cycle_report.workflow_id, cycle_report.workflow_run_id = wf_id, run_id
    return Started(wf_id, run_id, bool(updated))


def handle(cycle_report: CycleReport, client) -> WorkflowHandle:
    return client.get_workflow_handle(cycle_report.expected_workflow_id)


def status(cycle_report: CycleReport) -> dict:
    """Where the report is. Temporal answers while it can; the database
    mirror (kept by the activities) answers when it cannot."""
    pending = InboundSubmission.objects.filter(
        cycle_report=cycle_report, state=InboundSubmission.State.PENDING
    ).count()
    base = {
        "cycle_id": cycle_report.cycle_id,
        "report_id": cycle_report.report_id,
        "workflow_id": cycle_report.expected_workflow_id,
        "pending_delivery": pending,
    }
    if not cycle_report.workflow_run_id:
        return {**base, **_from_database(cycle_report), "source": "database"}

    async def query(client):
        return await handle(cycle_report, client).query("get_current_phase_status")

    try:
        # A status page must not hang while Temporal is down.
        answer = temporal_client.call(query, timeout=min(5.0, settings.TEMPORAL_RPC_TIMEOUT))
        return {**base, **answer, "source": "workflow"}
    except Exception as exc:  # unreachable, no worker, or history gone
        log.warning("status of %s from the database: %s", cycle_report.expected_workflow_id, exc)
        return {**base, **_from_database(cycle_report), "source": "database"}


def _from_database(cycle_report: CycleReport) -> dict:
    task = (
        HumanTask.objects.filter(cycle_report=cycle_report, state__in=HumanTask.ACTIVE_STATES)
        .select_related("assignee")
        .first()
    )
    return {
        "current_phase": cycle_report.current_phase,
        "awaiting_action": task.kind if task else None,
        "assignee": task.assignee.get_username() if task else None,
        "awaiting_since": task.opened_at.isoformat() if task else None,
        "due_at": task.due_at.isoformat() if task else None,
        "escalated": bool(task and task.state == HumanTask.State.ESCALATED),
        "round": task.round if task else None,
        "phase_progress": {t.SCOPING: cycle_report.scoping_status},
    }


