"""Storing an uploaded population and its records.

`ingest` is all or nothing: the file is streamed to storages["populations"]
under a generated name (its SHA-256 and size computed on the way), read back
from storage row by row, and its records written in one transaction. Any
failure leaves no Population, no record and no stored file behind.

Records go in with PostgreSQL's COPY (about ten times faster than INSERTs for
a million rows) and in batched INSERTs on other databases.
"""
from __future__ import annotations

import hashlib
from json.encoder import encode_basestring as encode_json_string
import os
import re
import uuid
from collections.abc import Iterable
from typing import BinaryIO

from django.conf import settings
from django.core.files import File
from django.core.files.storage import storages
from django.db import IntegrityError, connection, transaction
from django.db.models import Max

from cycles.models import CycleReport

from . import population_files
from .errors import PopulationError, PopulationTooLarge
from .models import Population, PopulationRecord

STORAGE_ALIAS = "populations"
COPY_SQL = "COPY {table} (population_id, row_number, key, {values}) FROM STDIN"
INSERT_BATCH = 2000
CHUNK = 1024 * 1024


def population_storage():
    return storages[STORAGE_ALIAS]


def ingest(
    cycle_report: CycleReport,
    uploaded_file: BinaryIO,
    filename: str,
    attributes: Iterable,
    key_column: str | None = None,
    *,
    uploaded_by,
) -> Population:
    """Stores `uploaded_file` (a Django UploadedFile or any binary file
    object) as the cycle report's next population version and returns it.

    `attributes`: the report's attributes as (attribute_id, name, in_scope)
    tuples. `filename`: the uploader's file name, kept (sanitised) for
    display only. Raises PopulationError for a file that cannot be used.

    Call it outside any transaction: it commits its own, and a rollback of
    an outer one would leave the stored file without its population.
    """
    attributes = population_files.attribute_refs(attributes)
    limits = _limits()
    declared_size = getattr(uploaded_file, "size", None)
    if declared_size is not None and declared_size > limits["bytes"]:
        raise _too_large(limits["bytes"])
    _rewind(uploaded_file)
    file_format = population_files.detect_format(uploaded_file.read(population_files.SNIFF_BYTES))
    _rewind(uploaded_file)

    storage = population_storage()
    name = f"populations/{cycle_report.pk}/{uuid.uuid4().hex}.{file_format}"
    hashing = _HashingReader(uploaded_file, limits["bytes"])
    try:
        name = storage.save(name, File(hashing, name=name))
        return _write_population(
            cycle_report, name, file_format, hashing, filename, attributes, key_column, uploaded_by, limits
        )
    except BaseException:
        # Also after a partial write (FileSystemStorage leaves what it wrote).
        if storage.exists(name):
            storage.delete(name)
        raise


def _write_population(cycle_report, name, file_format, hashing, filename, attributes, key_column, uploaded_by, limits):
    storage = population_storage()
    header = None
    try:
        with transaction.atomic():
            # One upload at a time per report, so versions never collide.
            CycleReport.objects.select_for_update().only("pk").get(pk=cycle_report.pk)
            with storage.open(name, "rb") as stored:
                parsed = population_files.parse(
                    stored, file_format, attributes, key_column,
                    max_rows=limits["rows"], max_columns=limits["columns"],
                )
                header = parsed.header
                latest = Population.objects.filter(cycle_report=cycle_report).aggregate(v=Max("version"))["v"]
                population = Population.objects.create(
                    cycle_report=cycle_report,
                    version=(latest or 0) + 1,
                    storage_name=name,
                    original_name=display_name(filename, file_format),
                    size=hashing.size,
                    sha256=hashing.hexdigest(),
                    file_format=file_format,
                    rows=0,
                    key_column=header.key_column,
                    columns=header.columns,
                    column_attributes=header.column_attributes,
                    unmatched_columns=header.unmatched_columns,
                    missing_attributes=header.missing_attributes,
                    uploaded_by=uploaded_by,
                )
                population.rows = write_records(population, parsed)
            if population.rows == 0:
                raise PopulationError("The file has a header but no records")
            population.save(update_fields=["rows"])
            if connection.vendor == "postgresql":
                # Fresh statistics, so the draws' queries are planned for the
                # table as it now is, not as it was before a million rows.
                with connection.cursor() as cursor:
                    cursor.execute(f"ANALYZE {PopulationRecord._meta.db_table}")
            return population
    except IntegrityError:
        # The one unique constraint a well-formed upload can break is the key's.
        if header is None:
            raise
        with storage.open(name, "rb") as stored:
            duplicate = population_files.find_duplicate_key(stored, file_format, header.key_index)
        if duplicate is None:
            raise
        key, first, second = duplicate
        raise PopulationError(f"The record key '{key}' appears twice, in rows {first} and {second}", row=second) from None


def write_records(population: Population, parsed: population_files.ParsedFile) -> int:
    """Inserts the parsed file's records; returns how many."""
    if connection.vendor == "postgresql":
        return copy_records(population, parsed)
    return insert_records(population, parsed)


def copy_records(population: Population, parsed: population_files.ParsedFile) -> int:
    meta = PopulationRecord._meta
    sql = COPY_SQL.format(table=meta.db_table, values=connection.ops.quote_name(meta.get_field("values").column))
    # Every row's JSON has the same keys: a template filled with the values
    # escaped by the json module's C string encoder is several times faster
    # than json.dumps of a dict per row.
    template = "{" + ",".join(f'"{key}":%s' for key in parsed.value_keys) + "}"
    count = 0
    population_id = population.pk
    # Django's cursor has no copy(); psycopg 3's cursor under it does, and
    # wrap_database_errors turns its errors into Django's (IntegrityError).
    with connection.cursor() as cursor, connection.wrap_database_errors:
        with cursor.cursor.copy(sql) as copy:
            write_row = copy.write_row
            for row_number, key, values in parsed.records:
                write_row((population_id, row_number, key, template % tuple(map(encode_json_string, values))))
                count += 1
    return count


def insert_records(population: Population, parsed: population_files.ParsedFile) -> int:
    count = 0
    batch: list[PopulationRecord] = []
    for record in parsed.records:
        batch.append(
            PopulationRecord(
                population=population, row_number=record.row_number, key=record.key, values=parsed.values_dict(record)
            )
        )
        if len(batch) == INSERT_BATCH:
            PopulationRecord.objects.bulk_create(batch)
            count += len(batch)
            batch = []
    if batch:
        PopulationRecord.objects.bulk_create(batch)
        count += len(batch)
    return count


def display_name(filename: str | None, file_format: str) -> str:
    """The uploader's file name for display: no folders, no control
    characters, at most 255 characters (the extension kept)."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = " ".join(re.sub(r"[\x00-\x1f\x7f]", "", name).split())
    if not name.strip(". "):
        return f"population.{file_format}"
    if len(name) > 255:
        stem, ext = os.path.splitext(name)
        ext = ext[:16]
        name = stem[: 255 - len(ext)] + ext
    return name


def _limits() -> dict[str, int]:
    return {
        "bytes": settings.POPULATION_MAX_BYTES,
        "rows": settings.POPULATION_MAX_ROWS,
        "columns": settings.POPULATION_MAX_COLUMNS,
    }


def _too_large(limit: int) -> PopulationTooLarge:
    return PopulationTooLarge(f"The file is larger than {limit:,} bytes, the most accepted")


def _rewind(file) -> None:
    try:
        file.seek(0)
    except (AttributeError, OSError):
        raise PopulationError("The upload cannot be read from its start") from None


class _HashingReader:
    """A file object over the upload that computes its SHA-256 and size as
    storage reads it, and stops once it passes the size limit.

    Storage backends read through read() (FileSystemStorage via File.chunks(),
    S3 via upload_fileobj); a seek back to the start (a retried upload) starts
    the count again, so the figures always describe one whole pass."""

    def __init__(self, file, limit: int):
        self._file = file
        self._limit = limit
        self._reset()

    def _reset(self):
        self._hash = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            return b"".join(iter(lambda: self.read(CHUNK), b""))
        data = self._file.read(n)
        self._hash.update(data)
        self.size += len(data)
        if self.size > self._limit:
            raise _too_large(self._limit)
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        if (offset, whence) != (0, 0):
            raise OSError("only a rewind to the start is supported")
        self._file.seek(0)
        self._reset()
        return 0

    def tell(self) -> int:
        return self.size

    def seekable(self) -> bool:
        return True

    def hexdigest(self) -> str:
        return self._hash.hexdigest()
