"""Issue 12's pages for test managers: create a cycle, add reports, assign
people one by one and in bulk (only people with the role offered), a
catalogue previewed then confirmed, and the dashboard in a constant number
of queries with its filters and CSV."""
from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cycles import roles
from cycles.models import CycleReport, Report, ReportAttribute, TestCycle
from cycle_setup.models import CatalogueUpload
from scoping.workflow_steps import REPORT_OWNER_APPROVAL, TESTER_REVIEW

from . import rows
from .factories import CycleReportFactory, ReportFactory, UserFactory
from .factories import TestCycleFactory as CycleFactory
from .setup_files import catalogue_rows, csv_bytes


def browser(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def people(db):
    return {
        "manager": UserFactory(username="tm", role=roles.TEST_MANAGER),
        "tester": UserFactory(username="t1", role=roles.TESTER),
        "tester2": UserFactory(username="t2", role=roles.TESTER),
        "owner": UserFactory(username="o1", role=roles.REPORT_OWNER),
    }


def test_pages_refused_to_anyone_but_managers(people):
    cycle = CycleFactory()
    report = ReportFactory()
    c = browser(people["tester"])
    for url in (
        "/cycles/new/", f"/cycles/{cycle.pk}/setup/", f"/cycles/{cycle.pk}/dashboard/",
        f"/cycles/{cycle.pk}/dashboard.csv", f"/reports/{report.pk}/catalogue/",
    ):
        assert c.get(url).status_code == 403, url
    assert c.post(f"/cycles/{cycle.pk}/setup/start").status_code == 403
    assert c.post("/cycles/new/", {"name": "X", "period_end": "2026-09-30"}).status_code == 403
    assert not TestCycle.objects.filter(name="X").exists()
    assert Client().get("/cycles/new/").status_code == 302  # to the login page


def test_create_add_and_assign_one_by_one_and_in_bulk(people):
    c = browser(people["manager"])
    made = c.post("/cycles/new/", {"name": "Q4", "period_end": "2026-12-31", "task_due_unit": "business_days", "reminder_unit": "days"})
    cycle = TestCycle.objects.get(name="Q4")
    assert made.status_code == 302 and made["Location"] == f"/cycles/{cycle.pk}/setup/"
    assert c.post("/cycles/new/", {"name": "Q4", "period_end": "soon"}).status_code == 400  # form errors shown
    existing = ReportFactory(name="Existing report", owner=people["owner"])

    page = c.get(f"/cycles/{cycle.pk}/setup/").content.decode()
    tester_choices = re.search(r'<select name="tester" id="add_tester">(.*?)</select>', page, re.S).group(1)
    assert "t1" in tester_choices and "t2" in tester_choices and "o1" not in tester_choices and "tm" not in tester_choices

    assert c.post(f"/cycles/{cycle.pk}/setup/add", {"report": existing.pk}).status_code == 302
    assert c.post(f"/cycles/{cycle.pk}/setup/add", {"new_name": "New one", "new_regulation": "FFIEC 031", "report_owner": people["owner"].pk}).status_code == 302
    refused = c.post(f"/cycles/{cycle.pk}/setup/add", {"new_name": "Bad", "new_regulation": "X", "tester": people["owner"].pk, "report_owner": people["owner"].pk})
    assert refused.status_code == 400  # o1 is offered no tester role
    assert not Report.objects.filter(name="Bad").exists()

    ids = list(CycleReport.objects.filter(cycle=cycle).values_list("report_id", flat=True))
    bulk = c.post(f"/cycles/{cycle.pk}/setup/assign", {"reports": [str(i) for i in ids], "tester": people["tester"].pk})
    assert bulk.status_code == 302
    assert set(CycleReport.objects.filter(cycle=cycle).values_list("tester__username", flat=True)) == {"t1"}

    one = c.post(f"/cycles/{cycle.pk}/setup/reports/{existing.pk}/people/", {"tester": people["tester2"].pk, "report_owner": people["owner"].pk})
    assert one.status_code == 302
    cr = CycleReport.objects.get(cycle=cycle, report=existing)
    assert (cr.tester.username, cr.report_owner.username) == ("t2", "o1")
    assert c.post(f"/cycles/{cycle.pk}/setup/assign", {"reports": [str(i) for i in ids]}).status_code == 400


def test_catalogue_previewed_then_confirmed_once(people):
    c = browser(people["manager"])
    report = ReportFactory()
    c.post(f"/reports/{report.pk}/catalogue/", {"file": SimpleUploadedFile("c.csv", csv_bytes(catalogue_rows(2)))})
    preview = c.post(f"/reports/{report.pk}/catalogue/", {"file": SimpleUploadedFile("c.csv", csv_bytes(catalogue_rows(5)))})
    assert preview.status_code == 200
    assert "5 to create · 0 to update · 0 to remove" in preview.content.decode()
    assert not ReportAttribute.objects.filter(report=report).exists()
    upload = CatalogueUpload.objects.get(report=report)
    assert c.post(f"/reports/{report.pk}/catalogue/{upload.pk}/confirm").status_code == 302
    assert ReportAttribute.objects.filter(report=report).count() == 5
    c.post(f"/reports/{report.pk}/catalogue/{upload.pk}/confirm")  # a second click: no second effect
    assert ReportAttribute.objects.filter(report=report).count() == 5
    assert browser(UserFactory(username="tm2", role=roles.TEST_MANAGER)).post(
        f"/reports/{report.pk}/catalogue/{upload.pk}/confirm").status_code == 404  # another manager's upload

    bad = catalogue_rows(3)
    bad[0][3], bad[2][5] = "blob", "perhaps"
    answer = c.post(f"/reports/{report.pk}/catalogue/", {"file": SimpleUploadedFile("c.csv", csv_bytes(bad))})
    assert answer.status_code == 400
    html = answer.content.decode()
    assert "2 errors" in html and "<td>2</td><td>Data Type</td>" in html and "<td>4</td><td>CDE</td>" in html
    assert CatalogueUpload.objects.filter(report=report).count() == 1
    assert c.get(f"/reports/{report.pk}/catalogue/?cycle=abc").status_code == 200  # ignored, not a 500


def _cycle(n: int, manager):
    cycle = CycleFactory(test_manager=manager)
    testers = [UserFactory(role=roles.TESTER) for _ in range(3)]
    for i in range(n):
        cr = CycleReportFactory(cycle=cycle, tester=testers[i % 3], workflow_run_id=f"run-{i}", current_phase="Scoping")
        if i % 4 == 3:
            rows.task(cr, REPORT_OWNER_APPROVAL, cr.report_owner, overdue=True)
        else:
            rows.task(cr, TESTER_REVIEW, cr.tester)
    CycleReportFactory(cycle=cycle)  # not started
    return cycle


@pytest.mark.parametrize("fmt", ["page", "csv"])
def test_dashboard_in_a_constant_number_of_queries(people, fmt):
    suffix = "dashboard/" if fmt == "page" else "dashboard.csv"
    counts = []
    for n in (3, 24):
        cycle = _cycle(n, people["manager"])
        c = browser(people["manager"])
        with CaptureQueriesContext(connection) as queries:
            answer = c.get(f"/cycles/{cycle.pk}/{suffix}")
        assert answer.status_code == 200
        assert answer.content.decode().count("Tester review") >= n * 3 // 4
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_dashboard_totals_filters_and_csv(people):
    cycle = _cycle(8, people["manager"])
    c = browser(people["manager"])
    html = c.get(f"/cycles/{cycle.pk}/dashboard/").content.decode()
    assert "Scoping: Tester review</td><td>6</td>" in html and "Scoping: Report-owner approval</td><td>2</td>" in html
    assert re.search(r"<td>Not started</td><td>1</td>", html) and re.search(r"<td>Scoping</td><td>8</td>", html)
    assert html.count('<rect x="0"') == 2  # a bar per phase with reports
    overdue = c.get(f"/cycles/{cycle.pk}/dashboard/?state=overdue").content.decode()
    assert overdue.count("data-report=") == 2 and "Report-owner approval" in overdue
    someone = CycleReport.objects.filter(cycle=cycle).exclude(tester=None).first().tester.username
    mine = c.get(f"/cycles/{cycle.pk}/dashboard.csv?person={someone}").content.decode().strip().splitlines()
    assert mine[0].startswith("report_id,report,") and len(mine) - 1 == CycleReport.objects.filter(cycle=cycle, tester__username=someone).count()
    assert c.get(f"/cycles/{cycle.pk}/dashboard/?state=bogus").status_code == 200  # ignored, not a 500


def test_a_new_cycle_is_listed_for_managers_with_links_to_set_up(people):
    cycle = CycleFactory(name="Empty so far")
    listing = browser(people["manager"]).get("/cycles/").content.decode()
    assert "Empty so far" in listing and 'href="/cycles/new/"' in listing
    detail = browser(people["manager"]).get(f"/cycles/{cycle.pk}/").content.decode()
    assert f'href="/cycles/{cycle.pk}/setup/"' in detail and f'href="/cycles/{cycle.pk}/dashboard/"' in detail
    assert "Empty so far" not in browser(people["tester"]).get("/cycles/").content.decode()


@pytest.mark.parametrize("url", ["/cycles/{c}/setup/", "/api/cycles/{c}/reports/", "/api/cycles/"])
def test_set_up_lists_in_a_constant_number_of_queries(people, url):
    counts = []
    for n in (2, 15):
        cycle = CycleFactory(test_manager=people["manager"])
        for i in range(n):
            cr = CycleReportFactory(cycle=cycle, data_provider=None)
            rows_of_attributes = 3 if i % 2 else 0
            for j in range(rows_of_attributes):
                ReportAttribute.objects.create(report=cr.report, name=f"A{j}", data_type="string")
        c = browser(people["manager"])
        with CaptureQueriesContext(connection) as queries:
            answer = c.get(url.format(c=cycle.pk))
        assert answer.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
