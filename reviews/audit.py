"""Writing the audit trail (append-only)."""
from __future__ import annotations

import hashlib
import json

from django.db import connection

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
    """Append one event. With a dedupe_key a retried activity writes it once
    (and None is returned then)."""
    line = AuditEvent(
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
    if not dedupe_key:
        line.save()
        return line
    return line if _insert_once(line) else None


def _insert_once(event: AuditEvent) -> bool:
    """INSERT ... ON CONFLICT (dedupe_key) DO NOTHING RETURNING id: one
    statement where a lookup, a savepoint, the insert and its release took
    four (every activity writes one or more of these, so it counts; issue
    15). Django's bulk_create(ignore_conflicts=True) cannot say whether
    the row was written, which notices depend on."""
    meta = AuditEvent._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}) "
        f"ON CONFLICT ({quote(meta.get_field('dedupe_key').column)}) DO NOTHING "
        f"RETURNING {quote(meta.pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [f.get_db_prep_save(f.pre_save(event, True), connection) for f in fields])
        row = cursor.fetchone()
    if row is None:
        return False
    event.pk = row[0]
    event._state.adding = False
    event._state.db = connection.alias
    return True
