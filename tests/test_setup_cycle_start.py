"""Issue 12 over the API, end to end on the real Temporal dev server: a
test manager sets up a cycle of three reports from one CSV and one XLSX
catalogue, starts it (twice: the second start changes nothing), and the
dashboard shows every report waiting for its tester; a catalogue change
afterwards leaves the started reports as they were."""
from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from cycles import roles
from cycles.models import CycleReport, ReportAttribute
from reviews.models import HumanTask
from scoping.workflow_steps import TESTER_REVIEW

from .factories import UserFactory
from .setup_files import catalogue_rows, csv_bytes, xlsx_bytes
from .temporal_harness import wait_until

pytestmark = pytest.mark.temporal


def test_cycle_of_three_from_csv_and_xlsx_starts_and_waits_for_its_testers(temporal):
    manager = UserFactory(username="tm", role=roles.TEST_MANAGER)
    testers = [UserFactory(username=f"tester{i}", role=roles.TESTER) for i in (1, 2)]
    UserFactory(username="owner1", role=roles.REPORT_OWNER)
    api = APIClient()
    api.force_login(manager)

    cycle = api.post("/api/cycles/", {"name": "Q3 2026", "period_end": "2026-09-30"}, format="json").json()
    report_ids = []
    for name in ("FR Y-14Q H.1", "FR Y-14Q H.2", "FFIEC 031 RC-C"):
        added = api.post(
            f"/api/cycles/{cycle['id']}/reports/",
            {"report": {"name": name, "regulation": name.split(" ")[0]}, "report_owner": "owner1"},
            format="json",
        )
        assert added.status_code == 201, added.content
        report_ids.append(added.json()["report_id"])
    # Testers in bulk: the first two reports to tester1, the third to tester2.
    assert api.post(f"/api/cycles/{cycle['id']}/assign", {"report_ids": report_ids[:2], "tester": "tester1"}, format="json").status_code == 200
    assert api.post(f"/api/cycles/{cycle['id']}/assign", {"report_ids": report_ids[2:], "tester": "tester2"}, format="json").status_code == 200

    csv_file, xlsx_file = csv_bytes(catalogue_rows(4, "Loan")), xlsx_bytes(catalogue_rows(3, "Deposit"))
    for report_id, (name, data) in zip(report_ids, [("h.csv", csv_file), ("h.csv", csv_file), ("rc-c.xlsx", xlsx_file)]):
        preview = api.post(f"/api/reports/{report_id}/attributes/import?dry_run=1", {"file": SimpleUploadedFile(name, data)}, format="multipart")
        assert preview.status_code == 200 and preview.json()["saved"] is False
        saved = api.post(f"/api/reports/{report_id}/attributes/import", {"file": SimpleUploadedFile(name, data)}, format="multipart")
        assert saved.status_code == 200 and saved.json()["saved"] is True, saved.content
    assert [x["attributes"] for x in api.get(f"/api/cycles/{cycle['id']}/reports/").json()] == [3, 4, 4]

    started = api.post(f"/api/cycles/{cycle['id']}/start")
    assert started.status_code == 202, started.content
    assert sorted(started.json()["starting"]) == sorted(report_ids)
    assert started.json()["cannot_start"] == [] and started.json()["already_running"] == []

    again = api.post(f"/api/cycles/{cycle['id']}/start").json()
    assert again["starting"] == [] and sorted(again["already_running"]) == sorted(report_ids)

    wait_until(
        lambda: HumanTask.objects.filter(cycle_report__cycle_id=cycle["id"], kind=TESTER_REVIEW, state__in=HumanTask.ACTIVE_STATES).count() == 3,
        timeout=60,
        message="three tester reviews to open",
    )
    page = Client()
    page.force_login(manager)
    board = page.get(f"/cycles/{cycle['id']}/dashboard/")
    assert board.status_code == 200
    html = board.content.decode()
    for report_id, tester in zip(report_ids, ["tester1", "tester1", "tester2"]):
        row = re.search(rf'<tr class="[^"]*" data-report="{report_id}">(.*?)</tr>', html, re.S).group(1)
        assert "Scoping" in row and "Tester review" in row and f"<td>{tester}</td>" in row, row
        assert "Waiting for a person" in row
    assert "Scoping: Tester review</td><td>3</td>" in html

    csv_text = page.get(f"/cycles/{cycle['id']}/dashboard.csv?person=tester2").content.decode()
    lines = csv_text.strip().splitlines()
    assert len(lines) == 2 and "FFIEC 031 RC-C" in lines[1] and ",tester2," in lines[1]

    # The catalogue changes after the start: the started reports keep theirs.
    changed = catalogue_rows(2, "Loan")
    changed[0][3] = "date"
    api.post(f"/api/reports/{report_ids[0]}/attributes/import", {"file": SimpleUploadedFile("h.csv", csv_bytes(changed))}, format="multipart")
    cr = CycleReport.objects.get(cycle_id=cycle["id"], report_id=report_ids[0])
    frozen = ReportAttribute.objects.filter(cycle_reports__cycle_report=cr)
    assert frozen.count() == 4 and frozen.get(name="Loan 1").data_type == "decimal"
    assert ReportAttribute.current().get(report_id=report_ids[0], name="Loan 1").data_type == "date"
