"""A phase starting and completing for a report in a cycle: its status row,
the report's current phase, the timeline, the phase's own hooks, and the
test manager's notice. Called by the phase activities; idempotent, so a
retried activity changes nothing twice."""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from cycles.models import CycleReport, PhaseStatus
from cycles.registry import registry

from . import audit, notifications
from .models import AuditEvent, HumanTask


def started(cr: CycleReport, phase: str, workflow_id: str, run_id: str, record_workflow_start: bool = True) -> None:
    with transaction.atomic():
        if record_workflow_start and phase == registry.phases()[0].name:
            audit.record(
                AuditEvent.Event.WORKFLOW_STARTED,
                cr,
                actor=cr.started_by,
                workflow_id=workflow_id,
                run_id=run_id,
                detail="Workflow started" + (f" by {cr.started_by.get_username()}" if cr.started_by else ""),
                dedupe_key=f"{workflow_id}:{run_id}:started",
            )
        # An update, and an insert only where no row was there: two
        # statements where get_or_create took up to five (issue 15). A row
        # already in progress or completed (a retry) is left as it is.
        now = timezone.now()
        moved = PhaseStatus.objects.filter(cycle_report=cr, phase=phase, status=PhaseStatus.Status.NOT_STARTED).update(
            status=PhaseStatus.Status.IN_PROGRESS, started_at=now
        )
        if not moved:
            PhaseStatus.objects.bulk_create(
                [PhaseStatus(cycle_report=cr, phase=phase, status=PhaseStatus.Status.IN_PROGRESS, started_at=now)],
                ignore_conflicts=True,
            )
        CycleReport.objects.filter(pk=cr.pk).update(
            current_phase=phase, workflow_id=workflow_id, workflow_run_id=run_id
        )
        hook = registry.phase(phase).on_start
        if hook:
            hook(cr)
        audit.record(
            AuditEvent.Event.PHASE_STARTED,
            cr,
            workflow_id=workflow_id,
            run_id=run_id,
            detail=f"{phase} phase started",
            dedupe_key=f"{workflow_id}:{run_id}:{_slug(phase)}-started",
        )


def completed(cr: CycleReport, phase: str, workflow_id: str, run_id: str) -> None:
    definition = registry.phase(phase)
    now = timezone.now()
    with transaction.atomic():
        PhaseStatus.objects.filter(cycle_report=cr, phase=phase).exclude(status=PhaseStatus.Status.COMPLETED).update(
            status=PhaseStatus.Status.COMPLETED, completed_at=now
        )
        if phase == registry.phases()[-1].name:
            CycleReport.objects.filter(pk=cr.pk, completed_at__isnull=True).update(completed_at=now)
        # A step that somehow stayed open must not linger in anyone's inbox.
        HumanTask.objects.filter(
            cycle_report=cr, kind__in=[s.kind for s in definition.steps], state__in=HumanTask.ACTIVE_STATES
        ).update(state=HumanTask.State.CANCELLED)
        if definition.on_complete:
            definition.on_complete(cr)
        audit.record(
            AuditEvent.Event.PHASE_COMPLETED,
            cr,
            workflow_id=workflow_id,
            run_id=run_id,
            detail=f"{phase} phase completed",
            dedupe_key=f"{workflow_id}:{run_id}:{_slug(phase)}-completed",
        )


def notify_manager(cr: CycleReport, phase: str, workflow_id: str, run_id: str) -> None:
    """Tell the cycle's test manager that the phase is done, once per run,
    however often the activity is retried: the audit row and the e-mail
    commit together, and a retry finds the row."""
    definition = registry.phase(phase)
    manager = cr.cycle.test_manager
    note = f"{phase} is complete."
    if definition.completion_note:
        note += " " + definition.completion_note(cr)
    with transaction.atomic():
        recorded = audit.record(
            AuditEvent.Event.NOTICE_SENT,
            cr,
            on_behalf_of=manager,
            workflow_id=workflow_id,
            run_id=run_id,
            detail=f"Test manager {manager.get_username()} told: {note}",
            dedupe_key=f"{workflow_id}:{run_id}:{_slug(phase)}-completed-notice",
        )
        if recorded is not None:
            notifications.phase_completed(cr, phase, [manager], note=note)


def _slug(phase: str) -> str:
    # "Scoping" -> "scoping": the dedupe keys of runs before other phases existed.
    return phase.lower().replace(" ", "-")
