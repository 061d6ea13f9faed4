"""CSV downloads (streamed), every cell made safe for spreadsheets."""
from __future__ import annotations

import csv
from typing import Iterable

from django.http import StreamingHttpResponse


class _Echo:
    def write(self, value):
        return value


def safe(value) -> str:
    """A cell starting with = + - @ (or a tab or carriage return) is a formula
    in spreadsheets: neutralise it. Rationales, names and raw model answers
    are written by people and models alike, so every cell goes through here."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def response(rows: Iterable[Iterable], filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    streamed = StreamingHttpResponse(
        (writer.writerow([safe(cell) for cell in row]) for row in rows), content_type="text/csv"
    )
    streamed["Content-Disposition"] = f'attachment; filename="{filename}"'
    return streamed
