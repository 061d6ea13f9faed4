"""Due dates: business days for whole days, seconds as they are."""
from datetime import date, datetime, timedelta, timezone as dt_timezone
from zoneinfo import ZoneInfo

import pytest
from django.core.checks import run_checks

from reviews.due_dates import due_at, is_business_day, parse_holidays

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
def test_whole_days_count_business_days(opened, days, expected):
    assert due_at(opened, days * DAY) == expected


def test_holidays_are_skipped():
    thanksgiving = parse_holidays(["2026-11-26", " 2026-11-27 "])
    # Wednesday + 1 skips Thursday and Friday (holidays) and the weekend.
    assert due_at(at(2026, 11, 25), DAY, thanksgiving) == at(2026, 11, 30)
    assert due_at(FRIDAY, 3 * DAY, thanksgiving) == at(2026, 11, 25)
    assert due_at(FRIDAY, 4 * DAY, thanksgiving) == at(2026, 11, 30)
    # A holiday on a weekend changes nothing.
    assert due_at(FRIDAY, DAY, parse_holidays(["2026-11-21"])) == at(2026, 11, 23)


@pytest.mark.parametrize("seconds", [1, 4, 59, 3600, DAY - 1, DAY + 1, int(1.5 * DAY)])
def test_durations_not_whole_days_are_seconds_over_weekends(seconds):
    opened = at(2026, 11, 21, 12)  # a Saturday
    assert due_at(opened, seconds, parse_holidays(["2026-11-23"])) == opened + timedelta(seconds=seconds)


def test_duration_must_be_positive():
    for bad in (0, -1, -DAY):
        with pytest.raises(ValueError):
            due_at(FRIDAY, bad)


def test_business_days_are_the_sites_local_days():
    ny = ZoneInfo("America/New_York")
    # Friday 21:00 in New York is already Saturday in UTC: still a Friday task.
    opened = at(2026, 11, 20, 21, 0, ny).astimezone(UTC)
    assert opened.weekday() == 5
    due = due_at(opened, DAY, tz=ny)
    assert due.astimezone(ny) == at(2026, 11, 23, 21, 0, ny)  # Monday 21:00 local
    assert due.tzinfo == UTC
    # Across the end of DST (1 November 2026) the local time of day holds.
    before = at(2026, 10, 30, 9, 0, ny).astimezone(UTC)  # Friday, EDT
    after = due_at(before, DAY, tz=ny)
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
    ids = sorted(e.id for e in run_checks() if e.id.startswith("reviews."))
    assert ids == ["reviews.E001", "reviews.E002"]


@pytest.mark.django_db
def test_open_task_uses_the_cycle_override_and_holidays(settings):
    from django.utils import timezone

    from reviews.human_tasks import open_task

    from .factories import scoped_report

    settings.HUMAN_TASK_DUE_AFTER = 3 * DAY
    settings.HUMAN_TASK_HOLIDAYS = [str(timezone.localdate() + timedelta(days=i)) for i in range(1, 4)]
    fast = scoped_report(attributes=1, cycle__human_task_due_after=4)
    task = open_task(fast, "tester_review", 1, fast.tester, "wf-fast", "run")
    assert (task.due_at - task.opened_at) == timedelta(seconds=4)
    slow = scoped_report(attributes=1)
    task = open_task(slow, "tester_review", 1, slow.tester, "wf-slow", "run")
    # Three business days after three holidays: at least six calendar days.
    assert (task.due_at - task.opened_at) >= timedelta(days=6)
    assert task.due_at.weekday() < 5
