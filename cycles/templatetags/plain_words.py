"""How pages write dates and people, the same way everywhere.

Registered as template builtins (config/settings.py), so every template
uses `{{ task.due_at|when }}` and `{{ user|person }}` without loading them.
One format with its time zone: a manager in New York and a tester reading an
e-mail in London must never guess which 18:00 a page means."""
from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone

register = template.Library()

DATETIME_FORMAT = "%a %d %b %Y, %H:%M %Z"  # Mon 30 Nov 2026, 18:00 EST
DATE_FORMAT = "%a %d %b %Y"  # Wed 30 Sep 2026


def format_when(value) -> str:
    """A datetime in the site's TIME_ZONE with its zone; a date alone as a date.
    ISO text (the status JSON's) is read first."""
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value, dt.timezone.utc)
        return timezone.localtime(value).strftime(DATETIME_FORMAT)
    if isinstance(value, dt.date):
        return value.strftime(DATE_FORMAT)
    return str(value)


def format_day(value) -> str:
    """Just the day, for end dates of leave ("12 Dec")."""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return value.strftime("%d %b").lstrip("0") if value else ""


def format_person(user) -> str:
    """"Olivia Owner (owner)" when the account has a name, else the username."""
    if user is None:
        return ""
    name = user.get_full_name().strip() if hasattr(user, "get_full_name") else ""
    username = user.get_username()
    return f"{name} ({username})" if name else username


register.filter("when", format_when)
register.filter("day", format_day)
register.filter("person", format_person)
