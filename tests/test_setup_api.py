"""Issue 12's API contracts: cycles, their reports and people, catalogues
from CSV and XLSX (preview, every error, all or nothing), a catalogue change
that never alters a started report, and starting a whole cycle."""
from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from cycles import roles
from cycles.models import CycleReport, CycleReportAttribute, Report, ReportAttribute, TestCycle
from cycles.workflow_start import freeze_attributes

from .factories import AttributeFactory, CycleReportFactory, ReportFactory, UserFactory
from .factories import TestCycleFactory as CycleFactory
from .setup_files import catalogue_rows, csv_bytes, xlsx_bytes


def api(user) -> APIClient:
    c = APIClient()
    c.force_login(user)
    return c


@pytest.fixture
def people(db):
    return {
        "manager": UserFactory(username="tm", role=roles.TEST_MANAGER),
        "tester": UserFactory(username="t1", role=roles.TESTER),
        "tester2": UserFactory(username="t2", role=roles.TESTER),
        "owner": UserFactory(username="o1", role=roles.REPORT_OWNER),
        "provider": UserFactory(username="p1", role=roles.DATA_PROVIDER),
    }


def upload(client, report_id, name, data, dry_run=False):
    url = f"/api/reports/{report_id}/attributes/import" + ("?dry_run=1" if dry_run else "")
    return client.post(url, {"file": SimpleUploadedFile(name, data)}, format="multipart")


def test_everything_refused_to_anyone_but_managers(people):
    cycle = CycleFactory()
    report = ReportFactory()
    for who in ("tester", "owner", "provider"):
        c = api(people[who])
        calls = [
            c.get("/api/cycles/"),
            c.post("/api/cycles/", {"name": "Q3", "period_end": "2026-09-30"}, format="json"),
            c.get(f"/api/cycles/{cycle.pk}/reports/"),
            c.post(f"/api/cycles/{cycle.pk}/reports/", {"report_id": report.pk}, format="json"),
            c.post(f"/api/cycles/{cycle.pk}/assign", {"report_ids": [report.pk], "tester": "t1"}, format="json"),
            upload(c, report.pk, "c.csv", csv_bytes(catalogue_rows(2))),
            c.post(f"/api/cycles/{cycle.pk}/start"),
        ]
        assert [r.status_code for r in calls] == [403] * len(calls), who
        assert "test managers" in calls[0].json()["detail"]
    assert APIClient().get("/api/cycles/").status_code == 401
    assert not TestCycle.objects.filter(name="Q3").exists()
    assert not CycleReport.objects.exists() and not ReportAttribute.objects.exists()


def test_create_and_list_cycles_with_field_errors(people):
    c = api(people["manager"])
    created = c.post(
        "/api/cycles/",
        {"name": "Q3 2026", "period_end": "2026-09-30", "task_due_amount": 5, "task_due_unit": "business_days", "sample_size_default": 30},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["id"] == TestCycle.objects.get(name="Q3 2026").pk
    assert (body["period_end"], body["test_manager"], body["task_due_amount"], body["sample_size_default"]) == ("2026-09-30", "tm", 5, 30)
    assert [x["name"] for x in c.get("/api/cycles/").json()] == ["Q3 2026"]

    bad = c.post("/api/cycles/", {"name": "Q3 2026", "period_end": "30/09/2026", "task_due_amount": "5"}, format="json")
    assert bad.status_code == 400
    assert set(bad.json()) == {"name", "period_end", "task_due_amount"}
    assert c.post("/api/cycles/", {}, format="json").json().keys() == {"name", "period_end"}
    assert TestCycle.objects.count() == 1


def test_add_reports_existing_and_new_with_field_errors(people):
    c = api(people["manager"])
    cycle = CycleFactory()
    existing = ReportFactory(owner=people["owner"])
    AttributeFactory(report=existing)
    url = f"/api/cycles/{cycle.pk}/reports/"

    one = c.post(url, {"report_id": existing.pk, "tester": "t1", "report_owner": "o1", "data_provider": "p1"}, format="json")
    assert one.status_code == 201, one.content
    assert one.json()["report_id"] == existing.pk
    assert (one.json()["tester"], one.json()["report_owner"], one.json()["attributes"]) == ("t1", "o1", 1)

    new = c.post(url, {"report": {"name": "FFIEC 031 RC-C", "regulation": "FFIEC 031"}, "report_owner": "o1"}, format="json")
    assert new.status_code == 201, new.content
    made = Report.objects.get(name="FFIEC 031 RC-C")
    assert new.json()["report_id"] == made.pk and made.owner == people["owner"]
    assert new.json()["tester"] is None  # assigned later

    refusals = {
        "both": ({"report_id": existing.pk, "report": {"name": "X", "regulation": "Y"}}, "report_id"),
        "neither": ({"tester": "t1"}, "report_id"),
        "unknown report": ({"report_id": 999999}, "report_id"),
        "already in": ({"report_id": existing.pk}, "report_id"),
        "id as text": ({"report_id": str(existing.pk)}, "report_id"),
        "tester is owner": ({"report": {"name": "A", "regulation": "B"}, "tester": "o1", "report_owner": "o1"}, "tester"),
        "no role": ({"report": {"name": "A", "regulation": "B"}, "tester": "p1", "report_owner": "o1"}, "tester"),
        "nobody": ({"report": {"name": "A", "regulation": "B"}, "report_owner": "ghost"}, "report_owner"),
        "new without owner": ({"report": {"name": "A", "regulation": "B"}, "tester": "t1"}, "report_owner"),
        "new without regulation": ({"report": {"name": "A"}, "report_owner": "o1"}, "report"),
    }
    for case, (body, field) in refusals.items():
        answer = c.post(url, body, format="json")
        assert answer.status_code == 400, case
        assert field in answer.json(), (case, answer.json())
    assert CycleReport.objects.filter(cycle=cycle).count() == 2
    assert not Report.objects.filter(name="A").exists()

    listed = c.get(url).json()
    assert [(x["name"], x["tester"]) for x in listed] == [("FFIEC 031 RC-C", None), (existing.name, "t1")]


def test_assign_in_bulk_only_people_with_the_role(people):
    c = api(people["manager"])
    cycle = CycleFactory()
    crs = [CycleReportFactory(cycle=cycle, tester=None, report_owner=None) for _ in range(4)]
    ids = [cr.report_id for cr in crs]
    url = f"/api/cycles/{cycle.pk}/assign"
    done = c.post(url, {"report_ids": ids[:3], "tester": "t2", "report_owner": "o1"}, format="json")
    assert done.status_code == 200 and done.json() == {"assigned": 3}
    assert [cr.tester_id for cr in CycleReport.objects.filter(report_id__in=ids).order_by("report_id")] == [people["tester2"].pk] * 3 + [None]
    for body, field in (
        ({"report_ids": ids, "tester": "o1"}, "tester"),
        ({"report_ids": [ids[0], 999999], "tester": "t1"}, "report_ids"),
        ({"report_ids": ids}, "tester"),
        ({"report_ids": ids, "data_provider": "t2"}, "data_provider"),
    ):
        answer = c.post(url, body, format="json")
        assert answer.status_code == 400 and field in answer.json(), (body, answer.json())
    assert CycleReport.objects.get(report_id=ids[3]).tester_id is None


def test_csv_preview_then_save_then_changes(people):
    c = api(people["manager"])
    report = ReportFactory()
    rows = catalogue_rows(5)
    preview = upload(c, report.pk, "catalogue.csv", csv_bytes(rows), dry_run=True)
    assert preview.status_code == 200, preview.content
    assert {k: preview.json()[k] for k in ("created", "updated", "removed", "errors", "saved")} == {
        "created": 5, "updated": 0, "removed": 0, "errors": [], "saved": False}
    assert not ReportAttribute.objects.filter(report=report).exists()

    saved = upload(c, report.pk, "catalogue.csv", csv_bytes(rows))
    assert saved.status_code == 200 and saved.json()["saved"] is True
    attrs = {a.name: a for a in ReportAttribute.objects.filter(report=report)}
    assert len(attrs) == 5
    first, third = attrs["Field 1"], attrs["Field 3"]
    assert (first.is_primary_key, first.data_type, first.is_mandatory) == (True, "decimal", True)
    assert (third.is_cde, third.has_historical_issues, third.line_number) == (True, False, 3)

    rows[1][3] = "text"  # Field 2 becomes a string
    changed = rows[:4] + [[9, "field   6", "new", "int", "", "", "", ""]]  # Field 5 removed, Field 6 new
    again = upload(c, report.pk, "catalogue.csv", csv_bytes(changed))
    assert {k: again.json()[k] for k in ("created", "updated", "removed", "unchanged")} == {
        "created": 1, "updated": 1, "removed": 1, "unchanged": 3}
    assert again.json()["changes"]["updated"] == [{"name": "Field 2", "fields": ["data_type"]}]
    assert sorted(ReportAttribute.objects.filter(report=report).values_list("name", flat=True)) == [
        "Field 1", "Field 2", "Field 3", "Field 4", "field 6"]


def test_xlsx_with_other_headers_and_semicolon_csv(people):
    c = api(people["manager"])
    report = ReportFactory()
    header = ["#", "Field Name", "Definition", "Type", "Primary Key", "Critical Data Element", "Prior Issues", "Required", "Owner notes"]
    rows = [[r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], "ignored"] for r in catalogue_rows(4)]
    answer = upload(c, report.pk, "dictionary.xlsx", xlsx_bytes(rows, header))
    assert answer.status_code == 200, answer.content
    assert answer.json()["created"] == 4 and answer.json()["ignored_columns"] == ["Owner notes"]
    other = ReportFactory()
    text = "name;data type;mandatory\r\nBalance;decimal;yes\r\nAccount id;string;no\r\n".encode("utf-8-sig")
    assert upload(c, other.pk, "semicolons.csv", text).json()["created"] == 2
    assert ReportAttribute.objects.get(report=other, name="Balance").is_mandatory is True


def test_bad_spreadsheet_refused_with_every_error_and_nothing_saved(people):
    c = api(people["manager"])
    report = ReportFactory()
    AttributeFactory(report=report, name="Kept")
    rows = catalogue_rows(6)
    rows[1][3] = "blob"          # row 3: data type
    rows[2][1] = ""              # row 4: name
    rows[3][4] = "maybe"         # row 5: primary key
    rows[4][0] = "5a"            # row 6: line number
    rows[5][1] = "Field 1"       # row 7: duplicate name
    for name, data in (("bad.csv", csv_bytes(rows)), ("bad.xlsx", xlsx_bytes(rows))):
        for dry_run in (True, False):
            answer = upload(c, report.pk, name, data, dry_run=dry_run)
            assert answer.status_code == 400, (name, answer.content)
            errors = answer.json()["errors"]
            assert [(e["row"], e["column"]) for e in errors] == [
                (3, "Data Type"), (4, "Attribute Name"), (5, "PK"), (6, "Line No"), (7, "Attribute Name")], name
            assert all(e["message"] for e in errors)
            assert answer.json()["saved"] is False
    assert list(ReportAttribute.objects.filter(report=report).values_list("name", flat=True)) == ["Kept"]

    # Rows as a spreadsheet numbers them: a description over two lines and a
    # blank row count as one row each.
    multi = b'name,type,description\nA,string,"two\nlines"\n\nB,blob,x\n'
    assert [(e["row"], e["column"]) for e in upload(c, report.pk, "m.csv", multi).json()["errors"]] == [(4, "type")]
    no_name = upload(c, report.pk, "x.csv", b"line,type\n1,string\n")
    assert no_name.status_code == 400 and no_name.json()["errors"][0]["column"] == "name"
    for name, data in (("empty.csv", b""), ("latin.csv", "name,type\nSal\xe9,string\n".encode("latin-1")), ("fake.xlsx", b"PK\x03\x04junk")):
        answer = upload(c, report.pk, name, data)
        assert answer.status_code == 400 and answer.json()["errors"][0]["message"], name
    assert c.post(f"/api/reports/{report.pk}/attributes/import", {}, format="multipart").json().keys() == {"file"}
    assert upload(c, 999999, "c.csv", csv_bytes(rows)).status_code == 404
    assert ReportAttribute.objects.filter(report=report).count() == 1


def test_catalogue_change_never_alters_a_started_report(people):
    c = api(people["manager"])
    cr = CycleReportFactory(tester=people["tester"], report_owner=people["owner"])
    rows = catalogue_rows(3)
    upload(c, cr.report_id, "c.csv", csv_bytes(rows))
    freeze_attributes(cr)
    CycleReport.objects.filter(pk=cr.pk).update(workflow_run_id="run-1")
    before = list(
        ReportAttribute.objects.filter(cycle_reports__cycle_report=cr).order_by("pk").values("pk", "name", "data_type", "description")
    )
    rows[0][2] = "A new definition"
    answer = upload(c, cr.report_id, "c.csv", csv_bytes(rows[:2]))  # Field 1 changed, Field 3 removed
    assert (answer.json()["updated"], answer.json()["removed"]) == (1, 1)
    after = list(
        ReportAttribute.objects.filter(cycle_reports__cycle_report=cr).order_by("pk").values("pk", "name", "data_type", "description")
    )
    assert after == before
    current = ReportAttribute.current().filter(report=cr.report)
    assert sorted(current.values_list("name", "description")) == [("Field 1", "A new definition"), ("Field 2", "Reported field 2")]
    # The next cycle's report starts with the catalogue as it is now.
    nxt = CycleReportFactory(report=cr.report, tester=people["tester"], report_owner=people["owner"])
    freeze_attributes(nxt)
    assert sorted(ReportAttribute.objects.filter(cycle_reports__cycle_report=nxt).values_list("name", "description")) == [
        ("Field 1", "A new definition"), ("Field 2", "Reported field 2")]
    assert CycleReportAttribute.objects.filter(cycle_report=cr).count() == 3


def test_start_lists_what_cannot_start_and_why(people):
    c = api(people["manager"])
    cycle = CycleFactory()
    no_attributes = CycleReportFactory(cycle=cycle, tester=people["tester"], report_owner=people["owner"])
    no_people = CycleReportFactory(cycle=cycle, tester=None, report_owner=None)
    AttributeFactory(report=no_people.report)
    answer = c.post(f"/api/cycles/{cycle.pk}/start")
    assert answer.status_code == 202
    body = answer.json()
    assert body["starting"] == [] and body["already_running"] == []
    reasons = {x["report_id"]: x["reason"] for x in body["cannot_start"]}
    assert "no attributes" in reasons[no_attributes.report_id]
    assert "no tester" in reasons[no_people.report_id] and "no report owner" in reasons[no_people.report_id]
    assert not CycleReport.objects.filter(cycle=cycle, workflow_run_id__gt="").exists()
    assert c.post("/api/cycles/999999/start").status_code == 404


def test_a_report_without_its_people_cannot_start_alone_either(people):
    cr = CycleReportFactory(tester=None, report_owner=None)
    AttributeFactory(report=cr.report)
    answer = api(people["manager"]).post(f"/api/cycles/{cr.cycle_id}/reports/{cr.report_id}/start")
    assert answer.status_code == 409 and "tester" in answer.json()["detail"]
    page = Client()
    page.force_login(people["manager"])
    followed = page.post(f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/start", follow=True)
    assert "Assign the report" in followed.content.decode()
    cr.refresh_from_db()
    assert not cr.workflow_run_id and not CycleReportAttribute.objects.filter(cycle_report=cr).exists()
    # Its pages still show, with nobody assigned yet.
    assert page.get(f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/").status_code == 200
    assert page.get(f"/cycles/{cr.cycle_id}/").status_code == 200
    assert api(people["manager"]).get(f"/api/cycles/{cr.cycle_id}/reports/{cr.report_id}/status").status_code == 200


def test_start_while_temporal_is_unreachable_is_a_503_and_starts_nothing(people, settings):
    from cycles import temporal_client

    from .container_harness import closed_port

    cycle = CycleFactory()
    cr = CycleReportFactory(cycle=cycle, tester=people["tester"], report_owner=people["owner"])
    AttributeFactory(report=cr.report)
    settings.TEMPORAL_ADDRESS = f"127.0.0.1:{closed_port()}"
    temporal_client.reset()
    try:
        answer = api(people["manager"]).post(f"/api/cycles/{cycle.pk}/start")
    finally:
        temporal_client.reset()
    assert answer.status_code == 503 and "unreachable" in answer.json()["detail"]
    cr.refresh_from_db()
    assert not cr.workflow_run_id and cr.started_at is None
