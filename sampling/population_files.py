"""Reading a population file (CSV or XLSX) one row at a time.

What is accepted, and why:

- **Format** is told by the content, not the file name: a ZIP archive is read
  as XLSX (the first worksheet), anything else without NUL bytes as CSV. Legacy
  or encrypted Excel files (``.xls``, OLE2) are refused with a message.
- **CSV encoding** is UTF-8, with or without a byte-order mark, nothing else.
  Guessing another encoding (cp1252, latin-1) would silently change record
  keys and values, and populations are evidence; every spreadsheet program
  saves "CSV UTF-8". A row that is not UTF-8 is refused with its row number.
- **CSV delimiter**: whichever of comma, semicolon and tab appears most often
  (outside quotes) in the header line; a comma when none does. Quoted fields
  may contain delimiters, quotes (doubled) and line breaks.
- **Rows** are numbered as a spreadsheet shows them: the header is row 1.
  Blank rows (every cell empty or white space) are skipped. A CSV row must have as many cells
  as the header; an XLSX row may be shorter (Excel does not store empty
  cells) but may not have a value beyond the header's last column.
- **XLSX values** become canonical text: dates ``2026-09-30``, date-times
  ``2026-09-30T14:05:00``, numbers as Excel shows them at 15 significant
  digits without float noise or exponent (``0.1+0.2`` is ``0.3``, ``1E20`` is
  ``100000000000000000000``), booleans ``TRUE``/``FALSE``, formulas their last
  computed value.
- **Header**: the first row. Column names are compared case-insensitively,
  ignoring surrounding and repeated white space; two columns with the same
  name, or a column without a name, are refused.
- **Key**: the first column, or the column ``key_column`` names (compared the
  same way). Keys lose surrounding white space and must be non-empty and at
  most 255 characters; unique keys are checked by the database on ingest.
- **Attributes**: every column (the key column too) whose name equals an
  attribute's name is matched to it; the other columns are reported as
  unmatched and in-scope attributes without a column as missing. Nothing is
  guessed: no fuzzy matching.

Every refusal is a PopulationError whose message says what to fix.
"""
from __future__ import annotations

import csv
import datetime as dt
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from operator import itemgetter
from typing import BinaryIO, NamedTuple

from .errors import PopulationError
from .models import KEY_MAX_LENGTH, Population

ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and encrypted .xlsx
DELIMITERS = (",", ";", "\t")
SNIFF_BYTES = 8192


@dataclass(frozen=True)
class AttributeRef:
    """A report attribute as the caller knows it: this module does not
    depend on which app owns the attribute model."""

    id: int
    name: str
    in_scope: bool


@dataclass(frozen=True)
class HeaderMatch:
    columns: list[str]  # the header's names, surrounding white space removed, in order
    key_index: int
    attribute_by_index: dict[int, int]  # column position -> attribute id
    unmatched_columns: list[str]
    missing_attributes: list[int]  # in-scope attribute ids without a column

    @property
    def key_column(self) -> str:
        return self.columns[self.key_index]

    @property
    def column_attributes(self) -> dict[str, int]:
        return {self.columns[i]: attribute_id for i, attribute_id in self.attribute_by_index.items()}


class Record(NamedTuple):
    row_number: int
    key: str
    # The matched columns' texts, in the order of ParsedFile.value_keys: a
    # tuple rather than a dict per row, which the COPY path never needs.
    values: tuple[str, ...]


def normalize_name(name: str) -> str:
    """The form in which column and attribute names are compared."""
    return " ".join(name.split()).casefold()


def attribute_refs(attributes: Iterable) -> list[AttributeRef]:
    """(attribute_id, name, in_scope) tuples, or AttributeRefs, as AttributeRefs."""
    return [a if isinstance(a, AttributeRef) else AttributeRef(int(a[0]), str(a[1]), bool(a[2])) for a in attributes]


# --- format -------------------------------------------------------------------

def detect_format(head: bytes) -> str:
    """csv or xlsx from the first bytes of the file."""
    if not head:
        raise PopulationError("The file is empty")
    if head.startswith(ZIP_MAGIC):
        return Population.Format.XLSX
    if head.startswith(OLE2_MAGIC):
        raise PopulationError(
            "Legacy or password-protected Excel files (.xls) cannot be read: save the population as XLSX or CSV UTF-8"
        )
    if b"\x00" in head:
        raise PopulationError("The file is neither CSV nor XLSX")
    return Population.Format.CSV


def read_rows(file: BinaryIO, file_format: str) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells as text) for every non-blank row, the header first."""
    return _csv_rows(file) if file_format == Population.Format.CSV else _xlsx_rows(file)


def _is_blank(cells: list[str]) -> bool:
    return not "".join(cells).strip()


# --- CSV ----------------------------------------------------------------------

def _decoded_lines(file: BinaryIO, row: list[int]) -> Iterator[str]:
    """The file's lines as text. Decoding line by line (not in 8 KB chunks)
    ties a decoding error to the row it is in; `row` is the csv reader's
    current row, kept by the caller."""
    first = True
    for line in file:
        if first:
            first = False
            if line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
        if b"\x00" in line:
            # Python's csv reads NUL as any other character; neither
            # PostgreSQL's text nor its JSON can hold one.
            raise PopulationError("The row contains a NUL character: the file is not a CSV text file", row=row[0] + 1)
        try:
            yield line.decode("utf-8")
        except UnicodeDecodeError:
            raise PopulationError(
                "The file is not UTF-8 text: save the population as CSV UTF-8 (or XLSX)", row=row[0] + 1
            ) from None


def sniff_delimiter(header_line: str) -> str:
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in header_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])  # the first of equals: comma
    return best if counts[best] else ","


def _csv_rows(file: BinaryIO) -> Iterator[tuple[int, list[str]]]:
    row = [0]  # the last row read, for errors raised while decoding
    lines = _decoded_lines(file, row)
    first = next(lines, None)
    if first is None:
        return
    reader = csv.reader(itertools.chain([first], lines), delimiter=sniff_delimiter(first), strict=True)
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            raise PopulationError(_csv_message(str(e)), row=row[0] + 1) from None
        row[0] += 1
        if not _is_blank(cells):
            yield row[0], cells


def _csv_message(error: str) -> str:
    if "new-line character" in error:
        return "Line breaks of a classic Mac file (CR only) cannot be read: save the population as CSV UTF-8"
    if "unexpected end of data" in error:
        return "A quoted value is not closed before the end of the file"
    return f"The row is not valid CSV ({error})"


# --- XLSX ---------------------------------------------------------------------

def _xlsx_rows(file: BinaryIO) -> Iterator[tuple[int, list[str]]]:
    # Imported here: only XLSX uploads pay for it.
    import openpyxl

    try:
        # read_only streams the sheet's XML row by row; data_only gives
        # formulas' last computed values. The standard library's expat
        # (2.4.1 and newer) refuses entity-expansion bombs.
        workbook = openpyxl.load_workbook(file, read_only=True, data_only=True)
    except Exception:
        raise PopulationError("The file is not a readable XLSX workbook") from None
    try:
        if not workbook.worksheets:
            return
        sheet = workbook.worksheets[0]
        # The stored dimension can be wrong (some writers put "A1"); read
        # every row and cell the sheet really has instead.
        sheet.reset_dimensions()
        row_number = 0
        rows = sheet.iter_rows(values_only=True)
        while True:
            try:
                values = next(rows)
            except StopIteration:
                return
            except Exception:
                raise PopulationError("The worksheet cannot be read", row=row_number + 1) from None
            row_number += 1
            cells = [cell_text(v) for v in values]
            if any("\x00" in c for c in cells):  # an escaped _x0000_ in a string
                raise PopulationError("The row contains a NUL character", row=row_number)
            if not _is_blank(cells):
                yield row_number, cells
    finally:
        workbook.close()


def cell_text(value) -> str:
    """An XLSX cell's value as canonical text."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return number_text(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def number_text(value: float) -> str:
    """A float as Excel shows it: 15 significant digits, plain notation,
    no trailing zeros."""
    if value != value or value in (float("inf"), float("-inf")):
        return str(value)
    text = format(Decimal(format(value, ".15g")).normalize(), "f")
    return "0" if text in ("-0", "0") else text


# --- header -------------------------------------------------------------------

def match_header(header: list[str], attributes: Iterable, key_column: str | None = None) -> HeaderMatch:
    """The key column and the columns matched to attributes; see the module
    docstring for the rules."""
    attributes = attribute_refs(attributes)
    columns = [name.strip() for name in header]
    positions: dict[str, int] = {}
    for index, name in enumerate(columns):
        if not name:
            raise PopulationError(f"Column {index + 1} of the header has no name", row=1)
        if len(name) > KEY_MAX_LENGTH:
            raise PopulationError(f"Column {index + 1} has a name longer than {KEY_MAX_LENGTH} characters", row=1)
        normalized = normalize_name(name)
        if normalized in positions:
            raise PopulationError(
                f"Columns {positions[normalized] + 1} and {index + 1} have the same name: '{columns[positions[normalized]]}'",
                row=1,
            )
        positions[normalized] = index

    if key_column is None or not key_column.strip():
        key_index = 0
    else:
        key_index = positions.get(normalize_name(key_column))
        if key_index is None:
            raise PopulationError(
                f"The key column '{key_column.strip()}' is not in the header (columns: {', '.join(columns)})",
                row=1,
            )

    by_name: dict[str, AttributeRef] = {}
    for attribute in attributes:
        normalized = normalize_name(attribute.name)
        if normalized in by_name:
            # Not the uploader's fault, but matching would be a guess.
            raise PopulationError(
                f"Attributes '{by_name[normalized].name}' and '{attribute.name}' have the same name "
                "ignoring case and spaces: a column cannot be matched to one of them"
            )
        by_name[normalized] = attribute

    attribute_by_index: dict[int, int] = {}
    unmatched: list[str] = []
    for index, name in enumerate(columns):
        attribute = by_name.get(normalize_name(name))
        if attribute is not None:
            attribute_by_index[index] = attribute.id
        elif index != key_index:
            unmatched.append(name)
    matched_ids = set(attribute_by_index.values())
    missing = [a.id for a in attributes if a.in_scope and a.id not in matched_ids]
    return HeaderMatch(columns, key_index, attribute_by_index, unmatched, missing)


# --- records ------------------------------------------------------------------

@dataclass
class ParsedFile:
    """A file being read: its header match, then its records (an iterator
    that checks each row as it goes)."""

    file_format: str
    header: HeaderMatch
    records: Iterator[Record]

    @cached_property
    def value_keys(self) -> tuple[str, ...]:
        """The "<attribute id>" of each of a Record's values, in order."""
        return tuple(str(a) for a in self.header.attribute_by_index.values())

    def values_dict(self, record: Record) -> dict[str, str]:
        return dict(zip(self.value_keys, record.values))


def parse(
    file: BinaryIO,
    file_format: str,
    attributes: Iterable,
    key_column: str | None = None,
    *,
    max_rows: int,
    max_columns: int,
) -> ParsedFile:
    """Reads the header now and the records as they are iterated, raising
    PopulationError for the first row that cannot be used."""
    rows = read_rows(file, file_format)
    first = next(rows, None)
    if first is None:
        raise PopulationError("The file has no header row (it is empty or blank)")
    header_row, header = first
    if header_row != 1:
        raise PopulationError("The header must be the first row; the rows above it are blank", row=header_row)
    if file_format == Population.Format.XLSX:
        while header and not header[-1].strip():  # formatted but empty cells
            header.pop()
    if len(header) > max_columns:
        raise PopulationError(f"The file has {len(header)} columns; at most {max_columns} are accepted", row=1)
    match = match_header(header, attributes, key_column)
    return ParsedFile(file_format, match, _records(rows, match, file_format, max_rows))


def _records(rows, match: HeaderMatch, file_format: str, max_rows: int) -> Iterator[Record]:
    width = len(match.columns)
    key_index = match.key_index
    key_column = match.key_column
    pick = _picker(list(match.attribute_by_index))
    lenient = file_format == Population.Format.XLSX
    count = 0
    # The hot loop of a million-row upload: kept flat on purpose.
    for row_number, cells in rows:
        if len(cells) != width:
            cells = _fit(cells, width, lenient, row_number)
        count += 1
        if count > max_rows:
            raise PopulationError(f"The file has more than {max_rows:,} records, the most accepted", row=row_number)
        key = cells[key_index].strip()
        if not key:
            raise PopulationError(f"The record key ('{key_column}') is empty", row=row_number)
        if len(key) > KEY_MAX_LENGTH:
            raise PopulationError(f"The record key is longer than {KEY_MAX_LENGTH} characters", row=row_number)
        yield Record(row_number, key, pick(cells))


def _picker(indexes: list[int]):
    """A function from a row's cells to the tuple of those at `indexes`."""
    if not indexes:
        return lambda cells: ()
    if len(indexes) == 1:
        index = indexes[0]
        return lambda cells: (cells[index],)
    return itemgetter(*indexes)


def _fit(cells: list[str], width: int, lenient: bool, row_number: int) -> list[str]:
    """An XLSX row to the header's width (Excel leaves trailing empty cells
    out, and may keep formatted empty ones); a CSV row of another width is
    refused."""
    if not lenient:
        raise PopulationError(f"The row has {len(cells)} cells; the header has {width}", row=row_number)
    if len(cells) < width:
        return cells + [""] * (width - len(cells))
    if any(c.strip() for c in cells[width:]):
        raise PopulationError(f"The row has a value beyond the header's last column ({width})", row=row_number)
    return cells[:width]


def find_duplicate_key(file: BinaryIO, file_format: str, key_index: int) -> tuple[str, int, int] | None:
    """(key, first row, second row) of the first key seen twice, or None.

    Only called after the database refused a duplicate key, so the memory
    it takes for a large file is spent on the failure path alone."""
    seen: dict[str, int] = {}
    rows = read_rows(file, file_format)
    next(rows, None)  # the header
    for row_number, cells in rows:
        if key_index >= len(cells):
            continue
        key = cells[key_index].strip()
        if key in seen:
            return key, seen[key], row_number
        seen[key] = row_number
    return None
