"""The cycle's audit trail as CSV, for examiners: every column has one
meaning (documented in the README, "Audit trail CSV").

The stored AuditEvent.on_behalf_of means different things by event (whom a
delegate acted for; the holder of a task that was opened, reminded or
escalated; the new holder of a reassigned task): here each meaning has its
own column. Delegation changes of the people in the cycle are rows too."""
from __future__ import annotations

import csv
import heapq
from datetime import timezone as dt_timezone

from django.db.models import Q
from django.http import StreamingHttpResponse

from .models import AuditEvent, DelegationChange, HumanTask

HEADER = [
    "at_utc",
    "event",
    "report",
    "actor",
    "acting_for",
    "task_holder",
    "delegator",
    "delegate",
    "workflow_id",
    "run_id",
    "payload_sha256",
    "detail",
]

# Events about a task whose on_behalf_of is the person who holds it (after a
# reassignment: the new holder).
TASK_HOLDER_EVENTS = {
    AuditEvent.Event.TASK_OPENED,
    AuditEvent.Event.REMINDER,
    AuditEvent.Event.ESCALATION,
    AuditEvent.Event.REASSIGNMENT,
}


def _name(user) -> str:
    return user.get_username() if user else ""


def _at(moment) -> str:
    return moment.astimezone(dt_timezone.utc).isoformat()


def event_row(e: AuditEvent) -> list[str]:
    holder = acting_for = ""
    if e.event in TASK_HOLDER_EVENTS:
        holder = _name(e.on_behalf_of)
    elif e.on_behalf_of_id and e.on_behalf_of_id != e.actor_id:
        acting_for = _name(e.on_behalf_of)
    return [
        _at(e.at), e.event, e.cycle_report.report.name, _name(e.actor), acting_for, holder, "", "",
        e.workflow_id, e.run_id, e.payload_hash, e.detail,
    ]


def delegation_row(c: DelegationChange) -> list[str]:
    return [
        _at(c.at), c.change, "", _name(c.changed_by), "", "", _name(c.delegator), _name(c.delegate),
        "", "", "", c.describe(),
    ]


def people_of(cycle) -> Q:
    """Delegations that matter to a cycle: those of its testers, owners and
    task holders, either way round (subqueries: one SQL statement)."""
    from cycles.models import CycleReport

    crs = CycleReport.objects.filter(cycle=cycle)
    q = Q()
    for people in (
        crs.values("tester_id"),
        crs.values("report_owner_id"),
        HumanTask.objects.filter(cycle_report__cycle=cycle).values("assignee_id"),
    ):
        q |= Q(delegator_id__in=people) | Q(delegate_id__in=people)
    return q


def rows(cycle):
    events = (
        AuditEvent.objects.filter(cycle=cycle)
        .select_related("cycle_report__report", "actor", "on_behalf_of")
        .order_by("at", "id")
    )
    changes = (
        DelegationChange.objects.filter(people_of(cycle))
        .select_related("delegator", "delegate", "changed_by")
        .order_by("at", "id")
    )
    yield HEADER
    merged = heapq.merge(
        ((e.at, 0, e.pk, e) for e in events.iterator(chunk_size=2000)),
        ((c.at, 1, c.pk, c) for c in changes.iterator(chunk_size=2000)),
    )
    for _, source, _, item in merged:
        yield event_row(item) if source == 0 else delegation_row(item)


class _Echo:
    def write(self, value):
        return value


def safe(text: str) -> str:
    # A cell starting with = + - @ (or a tab or carriage return before one)
    # is a formula in spreadsheets: neutralise it. Report names and usernames
    # are typed by people too, so every cell goes through here.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_response(cycle) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow([safe(cell) for cell in row]) for row in rows(cycle)), content_type="text/csv"
    )
    response["Content-Disposition"] = f'attachment; filename="cycle-{cycle.pk}-audit.csv"'
    return response
