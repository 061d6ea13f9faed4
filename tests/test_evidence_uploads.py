"""Issue 14, part 5: evidence uploads a bank can trust. Hostile uploads get
a clear error and leave nothing stored (no row, no file, no audit event);
downloads are attachments, never sniffed, for people who may see the
report; the scanning hook can refuse a file."""
from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from cycles import roles
from evidence import rounds
from evidence.errors import FileRefused
from evidence.models import EvidenceFile
from reviews.models import AuditEvent

from . import helpers
from .clients import browser as login
from .factories import UserFactory, scoped_report

pytestmark = pytest.mark.temporal

REFUSALS = []


def refusing_scanner(file, info):
    """Plugged in by EVIDENCE_SCANNER: refuses files that carry the EICAR
    test string, as an antivirus would."""
    REFUSALS.append(info)
    if b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE" in file.read():
        raise FileRefused("The scanner refused the file: it carries the EICAR test signature.")


def api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def stored() -> list[Path]:
    root = Path(settings.STORAGES["evidence"]["OPTIONS"]["location"])
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def awaiting_evidence(temporal):
    cr = scoped_report(attributes=6)
    helpers.through_scoping(temporal, cr)
    helpers.through_sampling(temporal, cr, evidence=False)
    return cr


def xlsx_bytes() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["Loan", "Amount"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_hostile_uploads_are_refused_and_leave_nothing(awaiting_evidence, settings):
    cr = awaiting_evidence
    provider = api(cr.data_provider)
    sample = rounds.awaiting_evidence(cr)[0]
    at = f"/api/cycles/{cr.cycle_id}/reports/{cr.report_id}/samples/{sample.pk}/evidence"
    settings.EVIDENCE_MAX_BYTES = 64 * 1024
    settings.EVIDENCE_SCANNER = "tests.test_evidence_uploads.refusing_scanner"
    events = AuditEvent.objects.filter(cycle_report=cr).count()

    def post(content: bytes, name: str):
        return provider.post(at, {"file": SimpleUploadedFile(name, content, content_type="application/pdf")}, format="multipart")

    cases = [
        # A Windows executable renamed to .pdf (and claimed as a PDF by the browser).
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200, "statement.pdf", 400, "not accepted"),
        # A spreadsheet named .pdf: an accepted type, but not the one its name says.
        (xlsx_bytes(), "statement.pdf", 400, "named .pdf but its content is XLSX"),
        # Binary content named .csv.
        (b"\x00\x01\x02\x03garbage" * 10, "loans.csv", 400, "not be recognised"),
        # Text with a NUL after the first 8 KB sniffed: the whole file is checked.
        (b"a,b\n" * 3000 + b"\x00", "loans.csv", 400, "control characters"),
        # Over EVIDENCE_MAX_BYTES.
        (helpers.evidence_pdf("x" * 70000), "big.pdf", 413, "large"),
        # An empty file.
        (b"", "empty.pdf", 400, ""),
        # Refused by the scanning hook.
        (helpers.evidence_pdf("EICAR-STANDARD-ANTIVIRUS-TEST-FILE"), "clean.pdf", 400, "EICAR"),
    ]
    for content, name, status, words in cases:
        answer = post(content, name)
        assert answer.status_code == status, (name, answer.content)
        detail = str(answer.json())
        assert words in detail, (name, detail)
    assert not EvidenceFile.objects.exists() and stored() == []
    assert AuditEvent.objects.filter(cycle_report=cr).count() == events

    # Path traversal and control characters in the name: stored under a
    # generated name inside the storage folder, shown without folders.
    for name in ("../../../etc/passwd.pdf", "..\\..\\windows\\system.pdf", "a\x00b\r\n.pdf"):
        answer = post(helpers.evidence_pdf(name), name)
        assert answer.status_code == 201, answer.content
        assert "/" not in answer.json()["filename"] and "\\" not in answer.json()["filename"] and "\x00" not in answer.json()["filename"]
    root = Path(settings.STORAGES["evidence"]["OPTIONS"]["location"]).resolve()
    files = stored()
    assert len(files) == 3 and all(root in p.resolve().parents for p in files)
    assert {p.suffix for p in files} == {".pdf"} and all(len(p.stem) == 32 for p in files)
    names = [f.original_name for f in EvidenceFile.objects.order_by("id")]
    assert names[:2] == ["passwd.pdf", "system.pdf"] and all(c.isprintable() for n in names for c in n), names
    # The scanner saw every file that reached it, with its SHA-256.
    assert REFUSALS and all(len(info["sha256"]) == 64 for info in REFUSALS)

    # A CSV that is text is accepted as such, whatever the browser claims.
    ok = post(b"loan,amount\nL-1,100\n", "extract.csv")
    assert ok.status_code == 201 and ok.json()["content_type"] == "text/csv"


def test_downloads_only_for_people_who_may_see_the_report(awaiting_evidence):
    cr = awaiting_evidence
    sample = rounds.awaiting_evidence(cr)[0]
    api_at = f"/api/cycles/{cr.cycle_id}/reports/{cr.report_id}"
    content = b"<html><script>alert(1)</script></html>"
    answer = api(cr.data_provider).post(
        f"{api_at}/samples/{sample.pk}/evidence", {"file": SimpleUploadedFile("notes.txt", content)}, format="multipart"
    )
    assert answer.status_code == 201 and answer.json()["content_type"] == "text/plain"
    file_id = answer.json()["id"]
    # The page's download link, for the tester: an attachment, never sniffed.
    page = f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/evidence/{file_id}/"
    got = login(cr.tester).get(page)
    assert got.status_code == 200 and b"".join(got.streaming_content) == content
    assert got["Content-Disposition"] == 'attachment; filename="notes.txt"'
    assert got["X-Content-Type-Options"] == "nosniff" and got["Content-Type"].startswith("text/plain")
    # A stranger: the same 404 as for a report that does not exist; the API says 403.
    stranger = UserFactory(role=roles.TESTER)
    assert login(stranger).get(page).status_code == 404
    assert api(stranger).get(f"{api_at}/evidence/{file_id}").status_code == 403
    assert api(stranger).get(f"{api_at}/samples/{sample.pk}/evidence").status_code == 403
    # Someone else may not upload; a record not in the sample is a 404.
    assert api(stranger).post(f"{api_at}/samples/{sample.pk}/evidence", {"file": SimpleUploadedFile("a.txt", b"x")}, format="multipart").status_code == 403
    assert api(cr.data_provider).post(f"{api_at}/samples/999999/evidence", {"file": SimpleUploadedFile("a.txt", b"x")}, format="multipart").status_code == 404
    # Not logged in.
    assert APIClient().get(f"{api_at}/evidence/{file_id}").status_code in (401, 403)
    assert EvidenceFile.objects.count() == 1
