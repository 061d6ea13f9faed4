"""What an uploaded file is, from its content, never its name nor the
browser's claim: binary formats by their signature (the `filetype`
library: pure Python, no libmagic to install, covers the office formats),
text (CSV, plain text) by being valid UTF-8 without control characters,
checked over the whole file as it is copied (TextCheck).

A name whose extension says another type than the content is refused too:
a spreadsheet renamed to .pdf is a mistake or a disguise."""
from __future__ import annotations

import codecs
import os
from dataclasses import dataclass

import filetype
from django.conf import settings

from .errors import FileRefused

SNIFF_BYTES = 8192
TEXT_TYPES = {"csv": "text/csv", "txt": "text/plain"}
# Other names people give the same types.
ALIASES = {"jpeg": "jpg", "tiff": "tif", "text": "txt"}
# Control characters that never occur in a text file (tab, LF, FF, CR do).
_CONTROL = {chr(c) for c in range(32) if c not in (9, 10, 12, 13)} | {"\x7f"}


@dataclass(frozen=True)
class Detected:
    extension: str  # what it is stored as: "pdf", "csv"
    content_type: str

    @property
    def is_text(self) -> bool:
        return self.extension in TEXT_TYPES


def claimed_extension(name: str) -> str:
    ext = os.path.splitext(name or "")[1].lower().lstrip(".")
    return ALIASES.get(ext, ext)


def detect(head: bytes, name: str) -> Detected:
    """The type of a file from its first bytes; FileRefused when it is not
    one of EVIDENCE_ALLOWED_TYPES or its name claims another type."""
    allowed = [ALIASES.get(t.lower(), t.lower()) for t in settings.EVIDENCE_ALLOWED_TYPES]
    claimed = claimed_extension(name)
    if not head:
        raise FileRefused("The file is empty.")
    kind = filetype.guess(head)
    if kind is not None:
        found = Detected(ALIASES.get(kind.extension, kind.extension), kind.mime)
    elif _looks_like_text(head):
        found = Detected("csv" if claimed == "csv" else "txt", TEXT_TYPES["csv" if claimed == "csv" else "txt"])
    else:
        raise FileRefused(f"The file's type could not be recognised from its content; accepted: {', '.join(allowed)}.")
    if found.extension not in allowed:
        raise FileRefused(f"The file's content is {found.extension.upper()} ({found.content_type}), which is not accepted; accepted: {', '.join(allowed)}.")
    if claimed and claimed != found.extension and not (found.is_text and claimed in TEXT_TYPES):
        raise FileRefused(f"The file is named .{claimed} but its content is {found.extension.upper()}: rename it or upload the right file.")
    return found


def _looks_like_text(head: bytes) -> bool:
    check = TextCheck()
    try:
        check.feed(head, final=False)
    except FileRefused:
        return False
    return True


class TextCheck:
    """Fed the whole file chunk by chunk: refuses anything that is not
    UTF-8 text (a binary file with a .csv name, a NUL in the middle)."""

    def __init__(self):
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")()

    def feed(self, chunk: bytes, final: bool = False) -> None:
        try:
            text = self._decoder.decode(chunk, final)
        except UnicodeDecodeError:
            raise FileRefused("The file is not UTF-8 text: a CSV or text file must be.") from None
        if _CONTROL.intersection(text):
            raise FileRefused("The file contains control characters: it is not a text file.")
