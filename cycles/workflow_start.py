"""Starting a report's workflow (one per report in a cycle)."""
from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from . import temporal_client
from . import workflow_types as t
from .models import CycleReport, CycleReportAttribute


class TemporalUnavailable(Exception):
    pass


class CannotStart(Exception):
    """The report lacks what its workflow needs (people are assigned after a
    report joins a cycle, see cycles.cycle_start)."""


@dataclass
class Started:
    workflow_id: str
    run_id: str
    created: bool


def freeze_attributes(cycle_report: CycleReport) -> int:
    """The attributes this report in this cycle works with, fixed now: a
    later change of the report's catalogue does not alter it. Idempotent."""
    rows = [
        CycleReportAttribute(cycle_report=cycle_report, attribute_id=pk)
        for pk in cycle_report.report.attributes.filter(retired_at__isnull=True).values_list("pk", flat=True)
    ]
    CycleReportAttribute.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def start_workflow(cycle_report: CycleReport, actor=None) -> Started:
    """Start the report's workflow; a repeat returns the existing run. The
    workflow's first activity writes "Workflow started" to the timeline."""
    wf_id = cycle_report.expected_workflow_id
    if not cycle_report.workflow_run_id and (cycle_report.tester_id is None or cycle_report.report_owner_id is None):
        raise CannotStart("Assign the report's tester and report owner before starting it.")
    with transaction.atomic():
        freeze_attributes(cycle_report)
        if actor is not None:
            CycleReport.objects.filter(pk=cycle_report.pk, started_by__isnull=True).update(started_by=actor)
    inp = t.TestCycleInput(
        cycle_id=cycle_report.cycle_id,
        report_id=cycle_report.report_id,
        cycle_report_id=cycle_report.pk,
        use_search_attributes=settings.TEMPORAL_SEARCH_ATTRIBUTES,
        started_by=actor.get_username() if actor is not None else "",
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
            # Finished already: the id is never reused, a report runs once per cycle.
            return (await client.get_workflow_handle(wf_id).describe()).run_id
        return handle.result_run_id

    try:
        run_id = temporal_client.call(go)
    except (RPCError, RuntimeError, TimeoutError, OSError) as exc:
        raise TemporalUnavailable(str(exc)) from exc
    updated = (
        CycleReport.objects.filter(pk=cycle_report.pk)
        .exclude(workflow_run_id=run_id)
        .update(workflow_id=wf_id, workflow_run_id=run_id, started_at=timezone.now())
    )
    cycle_report.workflow_id, cycle_report.workflow_run_id = wf_id, run_id
    return Started(wf_id, run_id, bool(updated))
