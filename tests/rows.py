"""Database rows a workflow would have written, for tests that only need the
pages' reads (query counts, object-level checks) and no running workflow."""
from __future__ import annotations

import uuid
from datetime import timedelta

from django.utils import timezone

from reviews.models import AuditEvent, HumanTask
from scoping.models import OwnerDecision, Recommendation, ScopingDecision, ScopingSubmission


def recommendations(cr) -> list[Recommendation]:
    """One recommendation per attribute: include all but every third."""
    return Recommendation.objects.bulk_create(
        Recommendation(
            cycle_report=cr,
            attribute=attr,
            include=attr.is_primary_key or i % 3 != 2,
            risk_score=50,
            rationale="rule-based",
            source="test",
        )
        for i, attr in enumerate(cr.report.attributes.order_by("line_number"))
    )


def task(cr, kind: str, assignee, round_no: int = 1, overdue: bool = False) -> HumanTask:
    now = timezone.now()
    opened = now - timedelta(days=5) if overdue else now
    return HumanTask.objects.create(
        kind=kind,
        cycle_report=cr,
        round=round_no,
        assignee=assignee,
        original_assignee=assignee,
        opened_at=opened,
        due_at=opened + timedelta(days=1 if overdue else 3),
        workflow_id=cr.expected_workflow_id,
    )


def submission(cr, submitted_by, version: int = 1, on_behalf_of=None, superseded: bool = False) -> ScopingSubmission:
    """A tester's review of every attribute as recommended, overriding one."""
    sub = ScopingSubmission.objects.create(
        cycle_report=cr,
        version=version,
        message_id=uuid.uuid4().hex,
        submitted_by=submitted_by,
        on_behalf_of=on_behalf_of or submitted_by,
        submitted_at=timezone.now(),
        superseded_at=timezone.now() if superseded else None,
    )
    recs = list(Recommendation.objects.filter(cycle_report=cr).select_related("attribute"))
    ScopingDecision.objects.bulk_create(
        ScopingDecision(
            submission=sub,
            attribute=rec.attribute,
            include=rec.include if (i or rec.attribute.is_primary_key) else not rec.include,
            rationale="" if (i or rec.attribute.is_primary_key) else "covered by a control",
            overrides_recommendation=not (i or rec.attribute.is_primary_key),
            attribute_is_primary_key=rec.attribute.is_primary_key,
        )
        for i, rec in enumerate(recs)
    )
    return sub


def owner_decision(sub: ScopingSubmission, decided_by, approved: bool = False) -> OwnerDecision:
    return OwnerDecision.objects.create(
        submission=sub,
        cycle_report=sub.cycle_report,
        version=sub.version,
        message_id=uuid.uuid4().hex,
        outcome="approved" if approved else "changes_requested",
        comments="" if approved else f"please revisit version {sub.version}",
        decided_by=decided_by,
        on_behalf_of=decided_by,
        decided_at=timezone.now(),
    )


def audit_event(cr, event: str = AuditEvent.Event.REMINDER, actor=None, detail: str = "", at=None) -> AuditEvent:
    return AuditEvent.objects.create(
        cycle=cr.cycle,
        cycle_report=cr,
        event=event,
        actor=actor,
        on_behalf_of=cr.tester,
        workflow_id=cr.expected_workflow_id,
        detail=detail or f"{event} for {cr.tester.get_username()}",
        at=at or timezone.now(),
    )
