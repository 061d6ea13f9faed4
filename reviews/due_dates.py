"""When a human task falls due.

A duration of whole days counts business days: weekends and the
configured holidays are skipped, so a task opened on Friday with three days
is due on Wednesday. Shorter durations are taken as they are (seconds), which
is what tests and urgent cycles use."""
from __future__ import annotations

from datetime import date, datetime, timedelta

DAY = 86400


def parse_holidays(values) -> frozenset[date]:
    return frozenset(date.fromisoformat(str(v).strip()) for v in values if str(v).strip())


def is_business_day(day: date, holidays: frozenset[date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def due_at(opened_at: datetime, seconds: int, holidays: frozenset[date] = frozenset()) -> datetime:
    if seconds <= 0:
        raise ValueError("a due duration must be positive")
    if seconds % DAY:
        return opened_at + timedelta(seconds=seconds)
    moment = opened_at
    remaining = seconds // DAY
    while remaining:
        moment += timedelta(days=1)
        if is_business_day(moment.date(), holidays):
            remaining -= 1
    return moment
