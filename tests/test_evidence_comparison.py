"""Issue 14, part 4: how a reported value is compared with its source
value, by the attribute's type (no database, no Temporal)."""
from __future__ import annotations

import pytest

from evidence.comparison import matches
from evidence.errors import FileRefused
from evidence.file_types import TextCheck, detect


@pytest.mark.parametrize(
    "data_type, reported, source, expected",
    [
        ("string", "ACME Corp", "ACME Corp ", True),
        ("string", "ACME Corp", "acme corp", False),  # text is exact
        ("code", "US-NY", "US-NY", True),
        ("code", "US-NY", "US-NJ", False),
        ("decimal", "1000.00", "1,000.004", True),  # within the default 0.01
        ("decimal", "1000.00", "$1,000.02", False),
        ("decimal", "(250.00)", "-250", True),  # accounting negative
        ("decimal", "1000", "one thousand", False),  # not a number: compared as text
        ("integer", "42", "42.0", True),
        ("integer", "42", "43", False),
        ("date", "2024-01-05", "05 Jan 2024", True),
        ("date", "2024-01-05", "2024/01/05", True),
        ("date", "2024-01-05T00:00:00", "20240105", True),
        ("date", "2024-01-05", "2024-05-01", False),
        ("boolean", "Y", "true", True),
        ("boolean", "no", "1", False),
    ],
)
def test_values_are_compared_by_type(data_type, reported, source, expected, settings):
    settings.EVIDENCE_AMOUNT_TOLERANCE = "0.01"
    assert matches(data_type, reported, source) is expected


def test_the_amount_tolerance_is_a_setting(settings):
    settings.EVIDENCE_AMOUNT_TOLERANCE = "5"
    assert matches("decimal", "1000", "1004.99") is True
    assert matches("decimal", "1000", "1005.01") is False


def test_types_come_from_the_content_not_the_name(settings):
    settings.EVIDENCE_ALLOWED_TYPES = ["pdf", "png", "csv", "txt"]
    assert detect(b"%PDF-1.7\n...", "scan.PDF").content_type == "application/pdf"
    assert detect(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32, "photo").extension == "png"  # no extension: the content decides
    assert detect(b"a;b\n1;2\n", "extract.csv").content_type == "text/csv"
    assert detect("naïve,text\n".encode(), "notes.txt").extension == "txt"
    with pytest.raises(FileRefused, match="not accepted"):
        detect(b"GIF89a" + b"\x00" * 16, "a.gif")  # recognised, but not allowed here
    with pytest.raises(FileRefused, match="named .png"):
        detect(b"%PDF-1.7\n", "scan.png")
    check = TextCheck()
    check.feed("é".encode()[:1])  # a character split across chunks is fine
    check.feed("é".encode()[1:], final=True)
    with pytest.raises(FileRefused):
        TextCheck().feed(b"\xff\xfe\x00", final=True)
