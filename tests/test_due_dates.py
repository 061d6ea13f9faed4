"""Due dates with units: business days skip weekends, the bank's holiday
calendar and extra holidays; other units are elapsed time. Minimums and the
reminder limit keep a mistyped duration from flooding anyone."""
from datetime import date, datetime, timedelta, timezone as dt_timezone
from zoneinfo import ZoneInfo

import pytest
from django.core.checks import run_checks

from reviews.due_dates import Duration, due_at, is_business_day, parse_holidays

UTC = dt_timezone.utc
DAY = 86400


def at(y, m, d, hh=10, mm=0, tz=UTC):
    return datetime(y, m, d, hh, mm, tzinfo=tz)


# 2026-11-20 is a Friday.
FRIDAY = at(2026, 11, 20)


@pytest.mark.parametrize(
    "opened, days, expected",
    [
        (at(2026, 11, 16), 1, at(2026, 11, 17)),  # Monday + 1 = Tuesday
        (at(2026, 11, 16), 3, at(2026, 11, 19)),  # Monday + 3 = Thursday
        (FRIDAY, 1, at(2026, 11, 23)),  # Friday + 1 = Monday
        (FRIDAY, 3, at(2026, 11, 25)),  # Friday + 3 = Wednesday
        (FRIDAY, 5, at(2026, 11, 27)),  # a whole working week
        (at(2026, 11, 21), 1, at(2026, 11, 23)),  # opened on Saturday: Monday
        (at(2026, 11, 22, 23, 59), 1, at(2026, 11, 23, 23, 59)),  # Sunday night: Monday night
        (FRIDAY, 10, at(2026, 12, 4)),  # two weekends
    ],
)
def test_business_days(opened, days, expected):
    assert due_at(opened, Duration(days, "business_days")) == expected
    # The environment's seconds: whole days count business days.
    assert due_at(opened, Duration.from_seconds(days * DAY)) == expected


def test_holidays_are_skipped():
    thanksgiving = parse_holidays(["2026-11-26", " 2026-11-27 "])
    # Wednesday + 1 skips Thursday and Friday (holidays) and the weekend.
    one, three, four = (Duration(n, "business_days") for n in (1, 3, 4))
    assert due_at(at(2026, 11, 25), one, thanksgiving) == at(2026, 11, 30)
    assert due_at(FRIDAY, three, thanksgiving) == at(2026, 11, 25)
    assert due_at(FRIDAY, four, thanksgiving) == at(2026, 11, 30)
    # A holiday on a weekend changes nothing.
    assert due_at(FRIDAY, one, parse_holidays(["2026-11-21"])) == at(2026, 11, 23)


@pytest.mark.parametrize(
    "code, opened, expected",
    [
        # Thanksgiving (Thu 26 Nov 2026) closes the Fed and the NYSE ...
        ("XFED", at(2026, 11, 25), at(2026, 11, 27)),
        ("XNYS", at(2026, 11, 25), at(2026, 11, 27)),
        # ... Veterans Day (Wed 11 Nov) closes the Fed, not the NYSE.
        ("XFED", at(2026, 11, 10), at(2026, 11, 12)),
        ("XNYS", at(2026, 11, 10), at(2026, 11, 11)),
        ("", at(2026, 11, 25), at(2026, 11, 26)),
    ],
)
def test_a_banks_holiday_calendar(code, opened, expected):
    assert due_at(opened, Duration(1, "business_days"), calendar_code=code) == expected


@pytest.mark.parametrize(
    "duration, elapsed",
    [
        (Duration(1, "seconds"), timedelta(seconds=1)),
        (Duration(59, "minutes"), timedelta(minutes=59)),
        (Duration(4, "hours"), timedelta(hours=4)),
        (Duration(2, "days"), timedelta(days=2)),
        (Duration.from_seconds(DAY + 1), timedelta(seconds=DAY + 1)),
    ],
)
def test_other_units_are_elapsed_time_over_weekends_and_holidays(duration, elapsed):
    opened = at(2026, 11, 21, 12)  # a Saturday
    assert due_at(opened, duration, parse_holidays(["2026-11-23"]), calendar_code="XFED") == opened + elapsed


def test_duration_must_be_positive_and_in_a_known_unit():
    for amount, unit in ((0, "days"), (-1, "hours"), (3, "fortnights")):
        with pytest.raises(ValueError):
            Duration(amount, unit)
    assert str(Duration(1, "business_days")) == "1 business day"
    assert str(Duration(3, "hours")) == "3 hours"


def test_business_days_are_the_sites_local_days():
    ny = ZoneInfo("America/New_York")
    # Friday 21:00 in New York is already Saturday in UTC: still a Friday task.
    opened = at(2026, 11, 20, 21, 0, ny).astimezone(UTC)
    assert opened.weekday() == 5
    due = due_at(opened, Duration(1, "business_days"), tz=ny)
    assert due.astimezone(ny) == at(2026, 11, 23, 21, 0, ny)  # Monday 21:00 local
    assert due.tzinfo == UTC
    # Across the end of DST (1 November 2026) the local time of day holds.
    before = at(2026, 10, 30, 9, 0, ny).astimezone(UTC)  # Friday, EDT
    after = due_at(before, Duration(1, "business_days"), tz=ny)
    assert after.astimezone(ny) == at(2026, 11, 2, 9, 0, ny)  # Monday 09:00 EST
    assert after - before == timedelta(days=3, hours=1)


def test_parse_holidays():
    assert parse_holidays([]) == frozenset()
    assert parse_holidays(["", "2026-12-25", "2026-12-25"]) == {date(2026, 12, 25)}
    with pytest.raises(ValueError):
        parse_holidays(["25/12/2026"])
    assert not is_business_day(date(2026, 12, 25), parse_holidays(["2026-12-25"]))
    assert is_business_day(date(2026, 12, 24), frozenset())


def test_bad_settings_are_reported_at_start(settings):
    assert not [e for e in run_checks() if e.id.startswith("reviews.")]
    settings.HUMAN_TASK_HOLIDAYS = ["2026-12-25", "Christmas"]
    settings.HUMAN_TASK_REMIND_EVERY = 0
    settings.HUMAN_TASK_MAX_REMINDERS = -1
    settings.HUMAN_TASK_HOLIDAY_CALENDAR = "MOON"
    ids = sorted(e.id for e in run_checks() if e.id.startswith("reviews."))
    assert ids == ["reviews.E001", "reviews.E002", "reviews.E003", "reviews.E004"]


@pytest.mark.django_db
def test_open_task_uses_the_cycle_override_and_holidays(settings):
    from django.utils import timezone

    from reviews.human_tasks import open_task

    from .factories import scoped_report

    settings.HUMAN_TASK_DUE_AFTER = 3 * DAY
    settings.HUMAN_TASK_HOLIDAYS = [str(timezone.localdate() + timedelta(days=i)) for i in range(1, 4)]
    fast = scoped_report(attributes=1, cycle__task_due_amount=4, cycle__task_due_unit="seconds")
    task = open_task(fast, "tester_review", 1, fast.tester, "wf-fast", "run")
    assert (task.due_at - task.opened_at) == timedelta(seconds=4)
    slow = scoped_report(attributes=1)
    task = open_task(slow, "tester_review", 1, slow.tester, "wf-slow", "run")
    # Three business days after three holidays: at least six calendar days.
    assert (task.due_at - task.opened_at) >= timedelta(days=6)
    assert task.due_at.weekday() < 5



@pytest.mark.django_db
def test_minimums_refuse_a_cycle_that_would_flood_people_and_clamp_old_data(settings):
    """3 and 1 meant as days, entered as seconds, sent 43 reminders in 45 s."""
    from django.core.exceptions import ValidationError

    from reviews.human_tasks import timing

    from .factories import TestCycleFactory

    settings.HUMAN_TASK_MIN_DUE_AFTER = 3600
    settings.HUMAN_TASK_MIN_REMIND_EVERY = 3600
    cycle = TestCycleFactory(task_due_amount=3, task_due_unit="seconds", reminder_amount=1, reminder_unit="seconds")
    with pytest.raises(ValidationError) as refused:
        cycle.full_clean()
    assert set(refused.value.message_dict) == {"task_due_amount", "reminder_amount"}
    assert "At least 1 hour" in refused.value.message_dict["reminder_amount"][0]
    # Whatever is stored, the tasks never go below the minimums.
    clamped = timing(cycle)
    assert clamped.due_after.at_least_seconds == 3600 and clamped.remind_every_seconds == 3600
    cycle.task_due_amount, cycle.task_due_unit, cycle.reminder_amount, cycle.reminder_unit = 3, "business_days", 1, "days"
    cycle.full_clean()
    assert timing(cycle).remind_every_seconds == DAY and str(timing(cycle).due_after) == "3 business days"
    assert timing(cycle).max_reminders == settings.HUMAN_TASK_MAX_REMINDERS
    cycle.max_reminders = 2
    assert timing(cycle).max_reminders == 2
