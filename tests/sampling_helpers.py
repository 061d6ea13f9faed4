"""Populations for the sampling tests: a storage folder of the test's own and
uploads through the real ingest."""
import csv
import io
from pathlib import Path

import pytest
from django.db import connection

from sampling.population_ingest import ingest

from .temporal_harness import env_flag

# (attribute id, name, in scope), as the caller of ingest passes them.
ATTRIBUTES = [
    (11, "Loan Number", True),
    (12, "Committed Exposure", True),
    (13, "State", True),
    (14, "Origination Date", False),
    (15, "Interest Rate", True),
]


@pytest.fixture
def population_dir(settings, tmp_path) -> Path:
    """storages["populations"] on a fresh folder, so a test can see exactly
    which files are left in it."""
    folder = tmp_path / "populations"
    settings.STORAGES = {
        **settings.STORAGES,
        "populations": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(folder)},
        },
    }
    return folder


def stored_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def upload(cr, content: bytes | str, name="population.csv", attributes=ATTRIBUTES, key_column=None, user=None):
    if isinstance(content, str):
        content = content.encode()
    return ingest(cr, io.BytesIO(content), name, attributes, key_column, uploaded_by=user or cr.tester)


def csv_text(header: list[str], rows: list[list[str]], delimiter=",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows([header, *rows])
    return out.getvalue()


def require_postgresql():
    if connection.vendor == "postgresql":
        return
    message = f"needs PostgreSQL (DATABASE_URL=postgres://...), not {connection.vendor}"
    if env_flag("CI"):
        pytest.fail(message + "; CI runs on PostgreSQL")
    pytest.skip(message)
