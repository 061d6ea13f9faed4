"""A report's attribute catalogue from a spreadsheet: what the file would
create, update and remove, every row error with its row and column, and
saving it all or nothing.

The file is the whole catalogue: attributes are matched by name (ignoring
case and repeated spaces); those absent from the file are removed. A
started report in a cycle keeps the attributes it was started with
(CycleReportAttribute, frozen at its start): an attribute frozen anywhere is
never edited or deleted in place. It is retired (`retired_at`) and, when
changed, replaced by a new row, so the cycle reports already under way read
exactly what they read before, and the next ones to start get the new
catalogue."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from .catalogue_files import UnreadableFile, read_rows
from .models import CycleReportAttribute, Report, ReportAttribute

# Header names accepted for each field, compared after normalising (lower
# case, anything but letters and digits as one space). Documented in the
# README ("Attribute catalogues").
HEADERS = {
    "line_number": ("line number", "line", "line no", "line num", "line nbr", "line #", "#", "no", "number", "item", "item number", "seq", "sequence", "order"),
    "name": ("name", "attribute", "attribute name", "field", "field name", "data element", "data element name", "element", "element name", "column name"),
    "description": ("description", "desc", "definition", "attribute description", "field description", "business definition"),
    "data_type": ("data type", "datatype", "type", "format", "field type"),
    "is_primary_key": ("primary key", "pk", "key", "is primary key", "primary key flag", "primary"),
    "is_cde": ("critical data element", "cde", "is cde", "critical", "cde flag", "critical data element flag"),
    "has_historical_issues": ("historical issues", "historical issue", "has historical issues", "history of issues", "prior issues", "issues", "known issues"),
    "is_mandatory": ("mandatory", "required", "is mandatory", "mandatory flag", "mandatory optional"),
}
REQUIRED = ("name", "data_type")
FLAGS = ("is_primary_key", "is_cde", "has_historical_issues", "is_mandatory")
LABELS = {
    "line_number": "line number",
    "name": "name",
    "description": "description",
    "data_type": "data type",
    "is_primary_key": "primary key",
    "is_cde": "critical data element",
    "has_historical_issues": "historical issues",
    "is_mandatory": "mandatory",
}

# Words people put in a data dictionary's type column, to the catalogue's types.
DATA_TYPES = {
    "string": ("string", "str", "text", "char", "character", "varchar", "alphanumeric", "alpha", "an"),
    "integer": ("integer", "int", "whole number", "bigint", "smallint", "long"),
    "decimal": ("decimal", "numeric", "number", "num", "float", "double", "real", "amount", "currency", "money", "percent", "percentage", "n"),
    "date": ("date", "datetime", "timestamp", "yyyy mm dd", "mm dd yyyy"),
    "boolean": ("boolean", "bool", "flag", "yes no", "y n", "true false", "indicator"),
    "code": ("code", "codes", "enum", "enumerated", "enumeration", "code list", "list", "lookup", "category"),
}
_TYPE_OF = {word: kind for kind, words in DATA_TYPES.items() for word in words}
TRUE = {"y", "yes", "true", "t", "1", "x", "mandatory", "required", "m"}
FALSE = {"", "n", "no", "false", "f", "0", "-", "optional", "o"}
NAME_MAX = ReportAttribute._meta.get_field("name").max_length


def _norm(text: str) -> str:
    return re.sub(r"[^0-9a-z#]+", " ", text.lower()).strip()


_FIELD_OF = {_norm(header): name for name, headers in HEADERS.items() for header in headers}


def name_key(name: str) -> str:
    """Attributes are the same when their names differ only in case or spaces."""
    return " ".join(name.split()).casefold()


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def as_json(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class Entry:
    row: int
    values: dict


@dataclass
class Plan:
    """What an import does (or would do, for a preview)."""

    created: list[Entry] = field(default_factory=list)
    updated: list[tuple[ReportAttribute, Entry, list[str]]] = field(default_factory=list)
    removed: list[ReportAttribute] = field(default_factory=list)
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    saved: bool = False

    def as_json(self) -> dict:
        return {
            "created": len(self.created),
            "updated": len(self.updated),
            "removed": len(self.removed),
            "unchanged": self.unchanged,
            "errors": [e.as_json() for e in self.errors],
            "saved": self.saved,
            "ignored_columns": self.ignored_columns,
            "changes": {
                "created": [e.values["name"] for e in self.created],
                "updated": [{"name": a.name, "fields": fields} for a, _, fields in self.updated],
                "removed": [a.name for a in self.removed],
            },
        }


def parse(filename: str, data: bytes) -> tuple[list[Entry], list[RowError], list[str]]:
    """The file's attributes, its errors (every one, with row and column)
    and the columns it has that mean nothing here."""
    try:
        rows = read_rows(filename, data, settings.CATALOGUE_MAX_ROWS)
    except UnreadableFile as exc:
        return [], [RowError(0, "", str(exc))], []
    header_row, header = rows[0]
    columns: dict[str, int] = {}
    errors: list[RowError] = []
    ignored = []
    for index, title in enumerate(header):
        name = _FIELD_OF.get(_norm(title))
        if name is None:
            if title:
                ignored.append(title)
            continue
        if name in columns:
            errors.append(RowError(header_row, title, f"A second column for {LABELS[name]} (also {header[columns[name]]!r})."))
            continue
        columns[name] = index
    for name in REQUIRED:
        if name not in columns:
            accepted = ", ".join(repr(h) for h in HEADERS[name][:4])
            errors.append(RowError(header_row, LABELS[name], f"No {LABELS[name]} column (headers accepted include {accepted})."))
    if errors:
        return [], errors, ignored
    titles = {name: header[index] for name, index in columns.items()}
    entries: list[Entry] = []
    seen: dict[str, int] = {}
    for position, (number, cells) in enumerate(rows[1:], start=1):
        def cell(name: str) -> str:
            index = columns.get(name)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        values, row_errors = _values(cell, titles, number, position)
        errors.extend(row_errors)
        if row_errors:
            continue
        key = name_key(values["name"])
        if key in seen:
            errors.append(RowError(number, titles["name"], f"{values['name']!r} is already on row {seen[key]}."))
            continue
        seen[key] = number
        entries.append(Entry(number, values))
    if not entries and not errors:
        errors.append(RowError(header_row + 1, "", "The file has a header but no attributes."))
    return entries, errors, ignored


def _values(cell, titles: dict, number: int, position: int) -> tuple[dict, list[RowError]]:
    errors = []
    values: dict = {}
    name = " ".join(cell("name").split())
    if not name:
        errors.append(RowError(number, titles["name"], "The name is empty."))
    elif len(name) > NAME_MAX:
        errors.append(RowError(number, titles["name"], f"The name has {len(name)} characters; at most {NAME_MAX}."))
    values["name"] = name
    raw_type = cell("data_type")
    kind = _TYPE_OF.get(_norm(raw_type))
    if kind is None:
        shown = repr(raw_type) if raw_type else "empty"
        errors.append(RowError(number, titles["data_type"], f"The data type is {shown}; use one of {', '.join(DATA_TYPES)}."))
    values["data_type"] = kind
    raw_line = cell("line_number")
    if raw_line:
        if raw_line.isdigit() and int(raw_line) < 2**31:
            values["line_number"] = int(raw_line)
        else:
            errors.append(RowError(number, titles["line_number"], f"The line number {raw_line!r} is not a whole number."))
    else:
        values["line_number"] = position
    values["description"] = cell("description")
    for flag in FLAGS:
        raw = cell(flag)
        word = raw.lower()
        if word in TRUE:
            values[flag] = True
        elif word in FALSE:
            values[flag] = False
        else:
            errors.append(RowError(number, titles[flag], f"{raw!r} is not yes or no (Y/N, yes/no, true/false, 1/0, X or blank)."))
    return values, errors


def _plan(report: Report, entries: list[Entry]) -> Plan:
    plan = Plan()
    current = {name_key(a.name): a for a in ReportAttribute.current().filter(report=report)}
    for entry in entries:
        existing = current.pop(name_key(entry.values["name"]), None)
        if existing is None:
            plan.created.append(entry)
            continue
        changed = [f for f, v in entry.values.items() if getattr(existing, f) != v]
        if changed:
            plan.updated.append((existing, entry, changed))
        else:
            plan.unchanged += 1
    plan.removed = sorted(current.values(), key=lambda a: (a.line_number, a.pk))
    return plan


def import_catalogue(report: Report, filename: str, data: bytes, *, dry_run: bool) -> Plan:
    """Preview (dry_run) or save the catalogue in `data`. With any error
    nothing is saved."""
    entries, errors, ignored = parse(filename, data)
    if errors or dry_run:
        plan = _plan(report, entries) if not errors else Plan()
        plan.errors, plan.ignored_columns = errors, ignored
        return plan
    with transaction.atomic():
        # One import of a report at a time: the plan is made under the lock.
        Report.objects.select_for_update().filter(pk=report.pk).first()
        plan = _plan(report, entries)
        plan.ignored_columns = ignored
        _save(report, plan)
    plan.saved = True
    return plan


def _save(report: Report, plan: Plan) -> None:
    now = timezone.now()
    touched = [a.pk for a, _, _ in plan.updated] + [a.pk for a in plan.removed]
    frozen = set(
        CycleReportAttribute.objects.filter(attribute_id__in=touched).values_list("attribute_id", flat=True).distinct()
    )
    # Changed attributes frozen for a started cycle report: retired and
    # replaced. The others are edited in place.
    replaced = [(a, e) for a, e, _ in plan.updated if a.pk in frozen]
    in_place = [(a, e) for a, e, _ in plan.updated if a.pk not in frozen]
    retire = [a.pk for a, _ in replaced] + [a.pk for a in plan.removed if a.pk in frozen]
    delete = [a.pk for a in plan.removed if a.pk not in frozen]
    if delete:
        try:
            with transaction.atomic():
                ReportAttribute.objects.filter(pk__in=delete).delete()
        except ProtectedError:
            # Referenced by something kept (a decision, a sample): keep the row, retired.
            retire += delete
    if retire:
        ReportAttribute.objects.filter(pk__in=retire).update(retired_at=now)
    fields = ["line_number", "name", "description", "data_type", *FLAGS]
    for attribute, entry in in_place:
        for f in fields:
            setattr(attribute, f, entry.values[f])
    ReportAttribute.objects.bulk_update([a for a, _ in in_place], fields, batch_size=500)
    new = [ReportAttribute(report=report, **entry.values) for entry in plan.created]
    new += [ReportAttribute(report=report, **entry.values) for _, entry in replaced]
    ReportAttribute.objects.bulk_create(new, batch_size=500)
