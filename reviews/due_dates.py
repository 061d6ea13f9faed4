"""When a human task falls due, and how often its holder is reminded.

Durations have units. Business days skip weekends and the bank's holidays:
the calendar of a financial market from the `holidays` package (the US
Federal Reserve's by default, HUMAN_TASK_HOLIDAY_CALENDAR), plus the extra
days of HUMAN_TASK_HOLIDAYS. A task opened on Friday with three business
days is due on Wednesday at the same time of day, in the site's time zone
(a task opened on Friday evening in New York is opened on a Friday there,
though it is Saturday in UTC), across a DST change too. Days, hours, minutes
and seconds are elapsed time.

Minimums (HUMAN_TASK_MIN_DUE_AFTER, HUMAN_TASK_MIN_REMIND_EVERY, in
seconds) keep a mistyped duration from flooding people with reminders; the
production settings make them an hour, the tests lower them. After
HUMAN_TASK_MAX_REMINDERS reminders (per cycle if it says) only the
escalation at the due date continues."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from functools import lru_cache

DAY = 86400

BUSINESS_DAYS = "business_days"
UNIT_SECONDS = {"days": DAY, "hours": 3600, "minutes": 60, "seconds": 1}
UNITS = (BUSINESS_DAYS, *UNIT_SECONDS)


@dataclass(frozen=True)
class Duration:
    amount: int
    unit: str  # one of UNITS

    def __post_init__(self):
        if self.unit not in UNITS:
            raise ValueError(f"unknown unit {self.unit!r}: use one of {', '.join(UNITS)}")
        if self.amount <= 0:
            raise ValueError("a duration must be positive")

    @classmethod
    def from_seconds(cls, seconds: int) -> "Duration":
        """The environment's durations are seconds; whole days count business
        days there, as the README has always said."""
        if seconds > 0 and seconds % DAY == 0:
            return cls(seconds // DAY, BUSINESS_DAYS)
        return cls(seconds, "seconds")

    @property
    def at_least_seconds(self) -> int:
        """Its shortest length (a business day is at least a day)."""
        return self.amount * (DAY if self.unit == BUSINESS_DAYS else UNIT_SECONDS[self.unit])

    def __str__(self) -> str:
        label = "business days" if self.unit == BUSINESS_DAYS else self.unit
        return f"{self.amount} {label[:-1] if self.amount == 1 else label}"


def parse_holidays(values) -> frozenset[date]:
    return frozenset(date.fromisoformat(str(v).strip()) for v in values if str(v).strip())


@lru_cache(maxsize=32)
def calendar(code: str, year: int) -> frozenset[date]:
    """The closing days of a financial market (e.g. XFED, XNYS) in a year."""
    if not code:
        return frozenset()
    import holidays

    return frozenset(holidays.financial_holidays(code, years=year))


def is_business_day(day: date, holidays: frozenset[date], calendar_code: str = "") -> bool:
    return day.weekday() < 5 and day not in holidays and day not in calendar(calendar_code, day.year)


def due_at(
    opened_at: datetime,
    duration: Duration,
    holidays: frozenset[date] = frozenset(),
    tz: tzinfo | None = None,
    calendar_code: str = "",
) -> datetime:
    if duration.unit != BUSINESS_DAYS:
        return opened_at + timedelta(seconds=duration.at_least_seconds)
    local = opened_at.astimezone(tz) if tz is not None and opened_at.tzinfo is not None else opened_at
    day = local.date()
    remaining = duration.amount
    while remaining:
        day += timedelta(days=1)
        if is_business_day(day, holidays, calendar_code):
            remaining -= 1
    # Same wall-clock time on the due day; the zone gives that day's offset.
    due = local.replace(year=day.year, month=day.month, day=day.day)
    return due.astimezone(opened_at.tzinfo) if opened_at.tzinfo is not None else due
