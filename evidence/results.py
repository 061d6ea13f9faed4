"""Test results: read in the order the tester works (mismatches first) and
confirmed as pass or fail with a note, each confirmation a new version."""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from cycles import roles
from reviews import audit
from reviews.human_tasks import active_delegations
from reviews.models import AuditEvent

from .errors import EvidenceError
from .models import TestResult

MAX_NOTE = 5000


def current(cycle_report):
    """The current version of every result, mismatches first."""
    return (
        TestResult.objects.filter(cycle_report=cycle_report, superseded_at__isnull=True)
        .select_related("sample__record", "attribute", "decided_by")
        .order_by("match", "sample__position", "attribute__line_number", "attribute_id")
    )


def as_json(result: TestResult) -> dict:
    return {
        "sample_id": result.sample_id,
        "attribute_id": result.attribute_id,
        "reported": result.reported,
        "source": result.source,
        "match": result.match,
        "result": result.result or None,
        "note": result.note,
    }


def may_confirm(user, cycle_report) -> bool:
    """The report's tester, or their delegate who is a tester too."""
    if not user.is_authenticated:
        return False
    if user.pk == cycle_report.tester_id:
        return True
    return roles.has_role(user, roles.TESTER) and active_delegations().filter(
        delegator_id=cycle_report.tester_id, delegate=user
    ).exists()


def confirm(cycle_report, user, rows: list[dict]) -> list[TestResult]:
    """rows: {"sample_id", "attribute_id", "result": "pass"|"fail", "note"}.
    A note is required for a fail and for a pass the comparison disagrees
    with. All or nothing; raises EvidenceError (400)."""
    now = timezone.now()
    saved = []
    with transaction.atomic():
        cycle_report.lock()
        for row in rows:
            previous = (
                TestResult.objects.select_for_update()
                .filter(cycle_report=cycle_report, sample_id=row["sample_id"], attribute_id=row["attribute_id"], superseded_at__isnull=True)
                .first()
            )
            if previous is None:
                raise EvidenceError(f"No test result for sample {row['sample_id']} and attribute {row['attribute_id']}.")
            note = (row.get("note") or "").strip()
            if (previous.result, previous.note) == (row["result"], note):
                continue  # already confirmed so (a form sent twice): no new version
            if (row["result"] == "fail" or not previous.match) and not note:
                raise EvidenceError(
                    f"Sample {row['sample_id']}, attribute {row['attribute_id']}: a note is required for a fail or for a pass on a mismatch."
                )
            previous.superseded_at = now
            previous.save(update_fields=["superseded_at"])
            saved.append(
                TestResult.objects.create(
                    cycle_report=cycle_report, sample_id=previous.sample_id, attribute_id=previous.attribute_id,
                    evidence_id=previous.evidence_id, version=previous.version + 1, reported=previous.reported,
                    source=previous.source, match=previous.match, result=row["result"], note=note,
                    decided_by=user, decided_at=now,
                )
            )
        if not saved:
            return saved
        audit.record(
            AuditEvent.Event.SUBMISSION_ACCEPTED,
            cycle_report,
            actor=user,
            payload=rows,
            detail=f"Test results confirmed: {sum(r.result == 'pass' for r in saved)} pass, {sum(r.result == 'fail' for r in saved)} fail",
        )
    return saved
