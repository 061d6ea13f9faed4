"""Reported value against source value, by the attribute's type: codes and
text exactly (surrounding spaces aside), amounts numerically within
EVIDENCE_AMOUNT_TOLERANCE, integers numerically, dates once read in one of
EVIDENCE_DATE_FORMATS, booleans by their usual spellings. A value that
cannot be read as its type is compared as text."""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings

_NUMBER_NOISE = re.compile(r"[\s,_$€£¥]")
_TRUE = {"true", "yes", "y", "1", "t"}
_FALSE = {"false", "no", "n", "0", "f"}


def number(text: str) -> Decimal | None:
    cleaned = _NUMBER_NOISE.sub("", text or "")
    if cleaned.startswith("(") and cleaned.endswith(")"):  # accounting negative
        cleaned = "-" + cleaned[1:-1]
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def day(text: str) -> date | None:
    text = (text or "").strip()
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        pass
    for fmt in settings.EVIDENCE_DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def boolean(text: str) -> bool | None:
    word = (text or "").strip().lower()
    return True if word in _TRUE else False if word in _FALSE else None


def matches(data_type: str, reported: str, source: str) -> bool:
    reported, source = (reported or "").strip(), (source or "").strip()
    if data_type in ("decimal", "integer"):
        a, b = number(reported), number(source)
        if a is not None and b is not None:
            tolerance = Decimal(settings.EVIDENCE_AMOUNT_TOLERANCE) if data_type == "decimal" else Decimal(0)
            return abs(a - b) <= tolerance
    elif data_type == "date":
        a, b = day(reported), day(source)
        if a is not None and b is not None:
            return a == b
    elif data_type == "boolean":
        a, b = boolean(reported), boolean(source)
        if a is not None and b is not None:
            return a == b
    return reported == source
