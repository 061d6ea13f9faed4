"""The scanning hook: EVIDENCE_SCANNER names a callable(file, info) run on
every uploaded file before it is kept; it refuses a file by raising
FileRefused (an antivirus, a data-loss check). `file` is the upload, open
and rewound; `info` has name, size, sha256 and content_type."""
from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from .errors import FileRefused

__all__ = ["FileRefused", "accept_every_file", "scan"]


def accept_every_file(file, info: dict) -> None:
    """The default: no scanner is configured."""


def scan(file, info: dict) -> None:
    import_string(settings.EVIDENCE_SCANNER)(file, info)
