"""Writing the audit trail (append-only)."""
from __future__ import annotations

import hashlib
import json

from django.db import IntegrityError, transaction

from .models import AuditEvent


def payload_hash(payload) -> str:
    if payload is None:
        return ""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def record(
    event: str,
    cycle_report,
    *,
    actor=None,
    on_behalf_of=None,
    workflow_id: str = "",
    run_id: str = "",
    payload=None,
    digest: str = "",
    detail: str = "",
    dedupe_key: str | None = None,
) -> AuditEvent | None:
    """Append one event. With a dedupe_key a retried activity writes it once."""
    if dedupe_key and AuditEvent.objects.filter(dedupe_key=dedupe_key).exists():
        return None
    try:
        with transaction.atomic():
            return AuditEvent.objects.create(
                cycle_id=cycle_report.cycle_id,
                cycle_report=cycle_report,
                event=event,
                actor=actor,
                on_behalf_of=on_behalf_of,
                workflow_id=workflow_id or (cycle_report.workflow_id or ""),
                run_id=run_id or cycle_report.workflow_run_id,
                payload_hash=digest or payload_hash(payload),
                detail=detail[:4000],
                dedupe_key=dedupe_key,
            )
    except IntegrityError:
        if dedupe_key:
            return None
        raise
