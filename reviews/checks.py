"""Start-up checks of the human-task settings: a bad value must stop the
worker at start, not fail every task-opening activity later."""
from django.conf import settings
from django.core.checks import Error, register

from .due_dates import calendar, parse_holidays


@register()
def human_task_settings(app_configs, **kwargs):
    errors = []
    try:
        parse_holidays(settings.HUMAN_TASK_HOLIDAYS)
    except ValueError as exc:
        errors.append(
            Error(f"HUMAN_TASK_HOLIDAYS must be comma-separated ISO dates (YYYY-MM-DD): {exc}", id="reviews.E001")
        )
    for name in ("HUMAN_TASK_DUE_AFTER", "HUMAN_TASK_REMIND_EVERY", "HUMAN_TASK_MIN_DUE_AFTER", "HUMAN_TASK_MIN_REMIND_EVERY"):
        value = getattr(settings, name)
        if not isinstance(value, int) or value <= 0:
            errors.append(Error(f"{name} must be a positive number of seconds, not {value!r}", id="reviews.E002"))
    if not isinstance(settings.HUMAN_TASK_MAX_REMINDERS, int) or settings.HUMAN_TASK_MAX_REMINDERS < 0:
        errors.append(Error("HUMAN_TASK_MAX_REMINDERS must be 0 (no limit) or more", id="reviews.E003"))
    try:
        calendar(settings.HUMAN_TASK_HOLIDAY_CALENDAR, 2026)
    except NotImplementedError:
        errors.append(
            Error(
                f"HUMAN_TASK_HOLIDAY_CALENDAR {settings.HUMAN_TASK_HOLIDAY_CALENDAR!r} is not a market the holidays "
                "package knows (e.g. XFED, XNYS), nor empty",
                id="reviews.E004",
            )
        )
    return errors
