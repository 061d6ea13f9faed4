"""Starting every report of a cycle in one action.

Idempotent: reports already started are listed, not started again (and a
workflow id is never reused, see cycles.workflow_start). Reports that cannot
start are listed with the reason; the others start. The attributes of the
reports about to start are frozen in one statement, then the workflows are
started from the process's Temporal client with at most
CYCLE_START_CONCURRENCY starts in flight."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from . import temporal_client
from . import workflow_types as t
from .models import CycleReport, CycleReportAttribute, ReportAttribute, TestCycle
from .workflow_start import TemporalUnavailable


@dataclass
class CycleStart:
    starting: list[int] = field(default_factory=list)  # report ids
    already_running: list[int] = field(default_factory=list)
    cannot_start: list[dict] = field(default_factory=list)  # {"report_id", "reason"}
    unreachable: bool = False

    def as_json(self) -> dict:
        return {
            "starting": self.starting,
            "already_running": self.already_running,
            "cannot_start": self.cannot_start,
        }


def reasons_not_to_start(cr: CycleReport, attributes: int) -> list[str]:
    """Why a report in a cycle cannot start yet (empty: it can)."""
    reasons = []
    if attributes == 0:
        reasons.append("the report has no attributes: upload its catalogue")
    if cr.tester_id is None:
        reasons.append("no tester assigned")
    if cr.report_owner_id is None:
        reasons.append("no report owner assigned")
    return reasons


def with_attribute_counts(queryset):
    """Annotate `attribute_count`: the frozen attributes once started, else
    the catalogue's current ones."""
    frozen = CycleReportAttribute.objects.filter(cycle_report=OuterRef("pk"))
    return queryset.annotate(
        has_frozen=Exists(frozen),
        catalogue_count=Count("report__attributes", filter=Q(report__attributes__retired_at__isnull=True), distinct=True),
    )


def start_cycle(cycle: TestCycle, actor) -> CycleStart:
    result = CycleStart()
    candidates: list[CycleReport] = []
    for cr in with_attribute_counts(CycleReport.objects.filter(cycle=cycle)).order_by("report_id"):
        if cr.workflow_run_id:
            result.already_running.append(cr.report_id)
            continue
        reasons = reasons_not_to_start(cr, 1 if cr.has_frozen else cr.catalogue_count)
        if reasons:
            result.cannot_start.append({"report_id": cr.report_id, "reason": "; ".join(reasons)})
        else:
            candidates.append(cr)
    if not candidates:
        return result
    ids = [cr.pk for cr in candidates]
    with transaction.atomic():
        _freeze(ids)
        CycleReport.objects.filter(pk__in=ids, started_by__isnull=True).update(started_by=actor)
    try:
        outcomes = temporal_client.call(
            lambda client: _start_all(client, candidates, actor),
            timeout=settings.TEMPORAL_RPC_TIMEOUT + 0.2 * len(candidates),
        )
    except (RPCError, RuntimeError, TimeoutError, OSError) as exc:
        raise TemporalUnavailable(str(exc)) from exc
    now = timezone.now()
    started = []
    for cr, outcome in zip(candidates, outcomes):
        if isinstance(outcome, BaseException):
            if isinstance(outcome, OSError) or (
                isinstance(outcome, RPCError) and temporal_client._is_unreachable(outcome)
            ):
                result.unreachable = True
            result.cannot_start.append(
                {"report_id": cr.report_id, "reason": f"the workflow did not start ({type(outcome).__name__}); start the cycle again"}
            )
            continue
        cr.workflow_id, cr.workflow_run_id, cr.started_at = cr.expected_workflow_id, outcome, now
        started.append(cr)
        result.starting.append(cr.report_id)
    CycleReport.objects.bulk_update(started, ["workflow_id", "workflow_run_id", "started_at"], batch_size=500)
    return result


def _freeze(cycle_report_ids: list[int]) -> None:
    """The attributes each report starts with: the catalogue as it stands,
    for reports not frozen already (one statement for the whole cycle)."""
    frozen = CycleReportAttribute._meta.db_table
    attributes = ReportAttribute._meta.db_table
    reports = CycleReport._meta.db_table
    marks = ", ".join(["%s"] * len(cycle_report_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {frozen} (cycle_report_id, attribute_id, in_scope)
            SELECT cr.id, a.id, NULL FROM {reports} cr
            JOIN {attributes} a ON a.report_id = cr.report_id AND a.retired_at IS NULL
            WHERE cr.id IN ({marks})
              AND NOT EXISTS (SELECT 1 FROM {frozen} f WHERE f.cycle_report_id = cr.id)
            ON CONFLICT DO NOTHING""",
            cycle_report_ids,
        )


async def _start_all(client, candidates: list[CycleReport], actor) -> list:
    gate = asyncio.Semaphore(max(1, settings.CYCLE_START_CONCURRENCY))
    started_by = actor.get_username() if actor is not None else ""

    async def one(cr: CycleReport):
        async with gate:
            wf_id = cr.expected_workflow_id
            try:
                handle = await client.start_workflow(
                    t.WORKFLOW_NAME,
                    t.TestCycleInput(
                        cycle_id=cr.cycle_id,
                        report_id=cr.report_id,
                        cycle_report_id=cr.pk,
                        use_search_attributes=settings.TEMPORAL_SEARCH_ATTRIBUTES,
                        started_by=started_by,
                    ),
                    id=wf_id,
                    task_queue=settings.TEMPORAL_TASK_QUEUE,
                    id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                    id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                )
            except WorkflowAlreadyStartedError:
                return (await client.get_workflow_handle(wf_id).describe()).run_id
            return handle.result_run_id

    return await asyncio.gather(*(one(cr) for cr in candidates), return_exceptions=True)
