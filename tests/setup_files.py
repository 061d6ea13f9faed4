"""Catalogue spreadsheets for the set-up tests: CSV and XLSX bytes built
from rows, with the data-dictionary headers people really use."""
from __future__ import annotations

import csv
import io

HEADER = ["Line No", "Attribute Name", "Description", "Data Type", "PK", "CDE", "Historical Issues", "Mandatory"]


def catalogue_rows(n: int, prefix: str = "Field") -> list[list]:
    types = ["string", "Decimal", "date", "Integer", "code", "boolean"]
    out = []
    for i in range(1, n + 1):
        out.append([i, f"{prefix} {i}", f"Reported {prefix.lower()} {i}", types[i % len(types)],
                    "Y" if i == 1 else "N", "yes" if i % 3 == 0 else "no", "X" if i % 5 == 0 else "", "Y" if i % 2 else "N"])
    return out


def csv_bytes(rows: list[list], header=HEADER) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def xlsx_bytes(rows: list[list], header=HEADER) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
