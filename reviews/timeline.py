"""The report page's timeline says what happened once: "Workflow started by
tester", not "Workflow started by tester — Workflow started by tester"."""
from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass
class Line:
    event: object  # the AuditEvent (the latest, for a run of reminders)
    text: str  # what follows the event's name
    count: int = 1  # reminders in a row for the same task, shown as one line
    first: object = None  # the first event of such a run


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


def _reminder_of(e) -> tuple | None:
    """Which task a reminder was for (its holder and label): reminders in a
    row for the same task are one line with a count (issue 13: a cycle set
    to remind every few minutes must not flood the timeline)."""
    if e.event != "reminder_sent":
        return None
    return (e.on_behalf_of_id, re.sub(r"^Reminder \d+ ", "", (e.detail or "").strip()))


def lines(events) -> list[Line]:
    out: list[Line] = []
    for e in events:
        key = _reminder_of(e)
        if key is not None and out and _reminder_of(out[-1].event) == key:
            run = out[-1]
            run.count += 1
            run.event, run.text = e, line(e).text
            continue
        out.append(line(e))
        out[-1].first = e
    return out
