"""Text typed by people, judged the same way everywhere: by the workflow's
validators (so this module imports no Django), the forms, the serializers and
the services that persist it.

A rationale or a comment made only of spaces, line breaks, zero-width or
other invisible characters says nothing, and counts as none."""
from __future__ import annotations

import unicodedata

# Format and control characters (zero-width space, joiners, BOM, soft hyphen,
# ...), separators, lone combining marks, and the filler characters that
# render as blanks although Unicode calls them letters or symbols.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp", "Mn", "Me"})
_BLANK_LOOKING = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def _visible(ch: str) -> bool:
    return ch not in _BLANK_LOOKING and unicodedata.category(ch) not in _INVISIBLE_CATEGORIES


def meaningful(text) -> str:
    """The text without surrounding white space, or "" if nothing in it is
    visible."""
    if not isinstance(text, str):
        return ""
    stripped = text.strip()
    return stripped if any(_visible(ch) for ch in stripped) else ""


def one_line(text: str, limit: int = 200) -> str:
    """For e-mail subjects and other headers: control characters (a carriage
    return or line feed in a report, cycle or user name) become spaces, so a
    name typed by someone can never break or inject a header."""
    cleaned = "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in str(text))
    cleaned = " ".join(cleaned.split())
    return cleaned[:limit]
