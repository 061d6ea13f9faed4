"""The report page's timeline says what happened once: "Workflow started by
tester", not "Workflow started by tester — Workflow started by tester"."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Line:
    event: object  # the AuditEvent
    text: str  # what follows the event's name


def line(e) -> Line:
    label = e.get_event_display()
    detail = (e.detail or "").strip()
    # A detail that repeats the event's name says only its remainder.
    if detail.lower().startswith(label.lower()):
        detail = detail[len(label):].lstrip(" —:-")
    elif detail.lower().endswith(label.lower()):  # "Scoping phase started"
        detail = detail[: -len(label)].rstrip(" —:-")
    parts = []
    actor = e.actor.get_username() if e.actor_id else ""
    if actor and f"by {actor}" not in detail:
        parts.append(f"by {actor}")
    if e.on_behalf_of_id and e.on_behalf_of_id != e.actor_id and e.actor_id:
        parts.append(f"(for {e.on_behalf_of.get_username()})")
    text = " ".join(parts)
    if detail:
        if detail.startswith("by ") or not text:
            text = f"{text} {detail}".strip() if detail.startswith("by ") else detail
        else:
            text = f"{text}: {detail}"
    return Line(e, text)


def lines(events) -> list[Line]:
    return [line(e) for e in events]
