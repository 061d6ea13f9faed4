"""Reading a report's attribute catalogue from a spreadsheet: CSV or XLSX
into rows of text, the header first. Knows nothing of attributes (see
cycles.catalogue_import for what the columns mean)."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal


class UnreadableFile(ValueError):
    """The file as a whole cannot be read (not the fault of one row)."""


XLSX_MAGIC = b"PK\x03\x04"


def read_rows(name: str, data: bytes, max_rows: int) -> list[tuple[int, list[str]]]:
    """(row number as the spreadsheet shows it, cells) of every non-blank
    row, the header included (row 1 when it is the first line)."""
    if not data:
        raise UnreadableFile("The file is empty.")
    lowered = (name or "").lower()
    if data.startswith(XLSX_MAGIC) or lowered.endswith(".xlsx"):
        rows = _xlsx_rows(data, max_rows)
    elif lowered.endswith((".xls", ".xlsm", ".ods", ".numbers")):
        raise UnreadableFile("Only .csv and .xlsx files are read; save the sheet as .xlsx or .csv.")
    else:
        rows = _csv_rows(data, max_rows)
    if not rows:
        raise UnreadableFile("The file has no rows.")
    return rows


def _csv_rows(data: bytes, max_rows: int) -> list[tuple[int, list[str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # Guessing another encoding would silently change names.
        raise UnreadableFile(f"The file is neither an .xlsx workbook nor UTF-8 text (byte {exc.start}).") from None
    if "\x00" in text:
        raise UnreadableFile("The file is neither an .xlsx workbook nor CSV text.")
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    rows = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        # Numbered by record, as a spreadsheet numbers its rows (a quoted
        # cell may span lines of the file).
        for number, cells in enumerate(reader, start=1):
            if any(cell.strip() for cell in cells):
                rows.append((number, [cell.strip() for cell in cells]))
                if len(rows) > max_rows + 1:
                    raise UnreadableFile(f"The file has more than {max_rows} attribute rows.")
    except csv.Error as exc:
        raise UnreadableFile(f"Line {reader.line_num} is not valid CSV: {exc}.") from None
    return rows


def _xlsx_rows(data: bytes, max_rows: int) -> list[tuple[int, list[str]]]:
    from zipfile import BadZipFile

    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (BadZipFile, KeyError, OSError, ValueError) as exc:
        raise UnreadableFile(f"The file is not a readable .xlsx workbook ({type(exc).__name__}).") from None
    try:
        sheet = book.worksheets[0]
        rows = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_text(v) for v in values]
            if any(cells):
                rows.append((number, cells))
                if len(rows) > max_rows + 1:
                    raise UnreadableFile(f"The file has more than {max_rows} attribute rows.")
        return rows
    finally:
        book.close()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date)):
        return value.isoformat()[:10]
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value).strip()
