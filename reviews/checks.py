"""Start-up checks of the human-task settings: a bad value must stop the
worker at start, not fail every task-opening activity later."""
from django.conf import settings
from django.core.checks import Error, register

from .due_dates import parse_holidays


@register()
def human_task_settings(app_configs, **kwargs):
    errors = []
    try:
        parse_holidays(settings.HUMAN_TASK_HOLIDAYS)
    except ValueError as exc:
        errors.append(
            Error(f"HUMAN_TASK_HOLIDAYS must be comma-separated ISO dates (YYYY-MM-DD): {exc}", id="reviews.E001")
        )
    for name in ("HUMAN_TASK_DUE_AFTER", "HUMAN_TASK_REMIND_EVERY"):
        value = getattr(settings, name)
        if not isinstance(value, int) or value <= 0:
            errors.append(Error(f"{name} must be a positive number of seconds, not {value!r}", id="reviews.E002"))
    return errors
