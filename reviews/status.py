"""Where a report in a cycle stands: the workflow answers while it can (its
query), the database mirror (kept by the activities) when it cannot."""
from __future__ import annotations

import logging

from django.conf import settings

from cycles import temporal_client
from cycles.models import CycleReport, PhaseStatus
from cycles.registry import registry

from .models import HumanTask, InboundSubmission

log = logging.getLogger(__name__)


def status(cycle_report: CycleReport) -> dict:
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
        return {**base, **from_database(cycle_report), "source": "database"}

    async def query(client):
        handle = client.get_workflow_handle(cycle_report.expected_workflow_id)
        return await handle.query("get_current_phase_status")

    try:
        # A status page must not hang while Temporal is down.
        answer = temporal_client.call(query, timeout=min(5.0, settings.TEMPORAL_RPC_TIMEOUT))
        return {**base, **answer, "source": "workflow"}
    except Exception as exc:  # unreachable, no worker, or history gone
        log.warning("status of %s from the database: %s", cycle_report.expected_workflow_id, exc)
        return {**base, **from_database(cycle_report), "source": "database"}


def phase_progress(cycle_report: CycleReport) -> dict[str, str]:
    """Every registered phase in order, with the report's status in it."""
    known = dict(PhaseStatus.objects.filter(cycle_report=cycle_report).values_list("phase", "status"))
    return {phase.name: known.get(phase.name, PhaseStatus.Status.NOT_STARTED) for phase in registry.phases()}


def from_database(cycle_report: CycleReport) -> dict:
    task = (
        HumanTask.objects.filter(cycle_report=cycle_report, state__in=HumanTask.ACTIVE_STATES)
        .select_related("assignee")
        .first()
    )
    return {
        "current_phase": cycle_report.current_phase or registry.phases()[0].name,
        "awaiting_action": task.kind if task else None,
        "assignee": task.assignee.get_username() if task else None,
        "awaiting_since": task.opened_at.isoformat() if task else None,
        "due_at": task.due_at.isoformat() if task else None,
        "escalated": bool(task and task.state == HumanTask.State.ESCALATED),
        "round": task.round if task else None,
        "phase_progress": phase_progress(cycle_report),
    }
