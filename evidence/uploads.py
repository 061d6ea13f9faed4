"""Storing one evidence file: all or nothing.

The upload arrives on disk (TemporaryFileUploadHandler), is typed from its
content, copied to storages["evidence"] in chunks under a generated name
while its SHA-256 and size are computed (and, for text, its text checked),
offered to the scanning hook, then recorded with the audit trail. Any
refusal or failure leaves no row and no stored file."""
from __future__ import annotations

import hashlib
import os
import re
import uuid

from django.conf import settings
from django.core.files.storage import storages
from django.db import transaction

from reviews import audit
from reviews.models import AuditEvent

from . import file_types, scanning
from .errors import FileTooLarge
from .models import EvidenceFile

STORAGE_ALIAS = "evidence"
CHUNK = 1024 * 1024


def evidence_storage():
    return storages[STORAGE_ALIAS]


def too_large() -> FileTooLarge:
    return FileTooLarge(f"The file is larger than {settings.EVIDENCE_MAX_BYTES:,} bytes, the most accepted.")


def display_name(filename: str | None, extension: str) -> str:
    """The uploader's name for display only: no folders (either slash), no
    control characters, at most 255 characters."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = " ".join(re.sub(r"[\x00-\x1f\x7f]", "", name).split())
    if not name.strip(". "):
        return f"evidence.{extension}"
    if len(name) > 255:
        stem, ext = os.path.splitext(name)
        ext = ext[:16]
        name = stem[: 255 - len(ext)] + ext
    return name


class _CheckedReader:
    """The upload as storage reads it: hashed, counted, cut at the size
    limit and, for text, checked chunk by chunk."""

    def __init__(self, file, is_text: bool):
        self._file = file
        self._is_text = is_text
        self.rewind()

    def rewind(self) -> None:
        """Back to the start (a storage backend that retries its upload):
        the figures then describe one whole pass."""
        self._file.seek(0)
        self._text = file_types.TextCheck() if self._is_text else None
        self._hash = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            return b"".join(iter(lambda: self.read(CHUNK), b""))
        data = self._file.read(n)
        self._hash.update(data)
        self.size += len(data)
        if self.size > settings.EVIDENCE_MAX_BYTES:
            raise too_large()
        if self._text is not None:
            self._text.feed(data, final=not data)
        return data

    def chunks(self, chunk_size=CHUNK):
        while True:
            data = self.read(chunk_size)
            if not data:
                return
            yield data

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


class _StoredFile:
    """What FileSystemStorage.save() needs of a file: chunks() (it never
    loads the whole file)."""

    def __init__(self, reader: _CheckedReader, name: str):
        self._reader, self.name = reader, name

    def chunks(self, chunk_size=CHUNK):
        return self._reader.chunks(chunk_size)

    def read(self, n=-1):
        return self._reader.read(n)

    def seek(self, offset: int = 0, whence: int = 0):
        if (offset, whence) != (0, 0):
            raise OSError("only a rewind to the start is supported")
        self._reader.rewind()
        return 0

    def tell(self):
        return self._reader.size

    def close(self):
        pass


def store(cycle_report, sample, uploaded, user) -> EvidenceFile:
    """Keep `uploaded` (a Django UploadedFile) as evidence for `sample`.
    Raises FileRefused (400) or FileTooLarge (413); nothing is kept then."""
    if uploaded.size is not None and uploaded.size > settings.EVIDENCE_MAX_BYTES:
        raise too_large()
    uploaded.seek(0)
    detected = file_types.detect(uploaded.read(file_types.SNIFF_BYTES), uploaded.name)
    storage = evidence_storage()
    name = f"evidence/{cycle_report.pk}/{uuid.uuid4().hex}.{detected.extension}"
    reader = _CheckedReader(uploaded, detected.is_text)
    saved = None
    try:
        saved = storage.save(name, _StoredFile(reader, name))
        info = {
            "name": display_name(uploaded.name, detected.extension),
            "size": reader.size,
            "sha256": reader.hexdigest(),
            "content_type": detected.content_type,
        }
        uploaded.seek(0)
        scanning.scan(uploaded, info)
        with transaction.atomic():
            kept = EvidenceFile.objects.create(
                cycle_report=cycle_report,
                sample=sample,
                storage_name=saved,
                original_name=info["name"],
                size=info["size"],
                sha256=info["sha256"],
                content_type=info["content_type"],
                uploaded_by=user,
            )
            audit.record(
                AuditEvent.Event.FILE_UPLOADED,
                cycle_report,
                actor=user,
                digest=kept.sha256,
                detail=(
                    f"Evidence for record {sample.record.key}: {kept.original_name}, {kept.size:,} bytes, "
                    f"{kept.content_type}, SHA-256 {kept.sha256} (file {kept.pk})"
                ),
            )
        return kept
    except BaseException:
        # Also after a partial write (FileSystemStorage leaves what it wrote).
        for leftover in {saved, name} - {None}:
            if storage.exists(leftover):
                storage.delete(leftover)
        raise
