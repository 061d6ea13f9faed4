"""The test results as CSV and Excel, with the evidence behind each (file
names and SHA-256), in the order the tester works: mismatches first. Every
cell is made safe for spreadsheets (a leading = + - @ is not a formula)."""
from __future__ import annotations

import csv
import tempfile

from django.http import FileResponse, StreamingHttpResponse
from openpyxl import Workbook

from . import results

HEADER = [
    "record", "sample_id", "attribute", "attribute_id", "reported", "source", "match", "result", "note",
    "version", "confirmed_by", "confirmed_at", "evidence_files", "evidence_sha256",
]


def safe(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def rows(cycle_report):
    yield HEADER
    for r in results.current(cycle_report).prefetch_related("evidence__files"):
        files = list(r.evidence.files.all())
        yield [
            r.sample.record.key, r.sample_id, r.attribute.name, r.attribute_id, r.reported, r.source,
            "yes" if r.match else "no", r.result or "to confirm", r.note, r.version,
            r.decided_by.get_username() if r.decided_by else "", r.decided_at.isoformat() if r.decided_at else "",
            "; ".join(f.original_name for f in files), "; ".join(f.sha256 for f in files),
        ]


def filename(cycle_report, extension: str) -> str:
    return f"cycle-{cycle_report.cycle_id}-report-{cycle_report.report_id}-test-results.{extension}"


class _Echo:
    def write(self, value):
        return value


def csv_response(cycle_report) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow([safe(cell) for cell in row]) for row in rows(cycle_report)), content_type="text/csv"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename(cycle_report, "csv")}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def xlsx_response(cycle_report) -> FileResponse:
    book = Workbook(write_only=True)  # rows go to disk as written: memory stays flat
    sheet = book.create_sheet("Test results")
    for row in rows(cycle_report):
        sheet.append([safe(cell) for cell in row])
    spooled = tempfile.TemporaryFile()
    book.save(spooled)
    spooled.seek(0)
    response = FileResponse(
        spooled, as_attachment=True, filename=filename(cycle_report, "xlsx"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
