"""When a human task falls due.

A duration of whole days counts business days: weekends and the
configured holidays are skipped, so a task opened on Friday with three days
is due on Wednesday at the same time of day. Shorter durations (or any that
is not a whole number of days) are taken as they are, in seconds, which is
what tests and urgent cycles use.

Business days are those of the site's time zone: a task opened on Friday
evening in New York is opened on a Friday there, though it is Saturday in
UTC, and is due at the same local time of day, across a DST change too."""
from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo

DAY = 86400


def parse_holidays(values) -> frozenset[date]:
    return frozenset(date.fromisoformat(str(v).strip()) for v in values if str(v).strip())


def is_business_day(day: date, holidays: frozenset[date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def due_at(
    opened_at: datetime, seconds: int, holidays: frozenset[date] = frozenset(), tz: tzinfo | None = None
) -> datetime:
    if seconds <= 0:
        raise ValueError("a due duration must be positive")
    if seconds % DAY:
        return opened_at + timedelta(seconds=seconds)
    local = opened_at.astimezone(tz) if tz is not None and opened_at.tzinfo is not None else opened_at
    day = local.date()
    remaining = seconds // DAY
    while remaining:
        day += timedelta(days=1)
        if is_business_day(day, holidays):
            remaining -= 1
    # Same wall-clock time on the due day; the zone gives that day's offset.
    due = local.replace(year=day.year, month=day.month, day=day.day)
    return due.astimezone(opened_at.tzinfo) if opened_at.tzinfo is not None else due
