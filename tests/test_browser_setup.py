"""Issue 12 in headless Chromium: a test manager creates a cycle, adds
three new reports, assigns their tester in bulk, loads their catalogues
from one CSV and one XLSX (preview, then confirm), sees a spreadsheet with
bad rows refused with every error and nothing saved, starts the cycle and
finds every report waiting for its tester on the dashboard.

Served by pytest-django's live server, backed by the session's real
Temporal dev server and worker; screenshots in artifacts/screenshots/."""
from __future__ import annotations

import re

import pytest

from cycles import roles
from cycles.models import CycleReport, ReportAttribute, TestCycle
from reviews.models import HumanTask
from scoping.workflow_steps import TESTER_REVIEW

from .factories import UserFactory
from .setup_files import catalogue_rows, csv_bytes, xlsx_bytes
from .temporal_harness import wait_until
from .test_browser_csp import RECORD_VIOLATIONS
from .test_browser_scoping import _expect, log_in

pytestmark = [pytest.mark.temporal, pytest.mark.browser]

REPORTS = ["FR Y-14Q H.1 Corporate", "FR Y-14Q H.2 CRE", "FFIEC 031 RC-C Loans"]


def test_set_up_a_cycle_start_it_and_watch_it_in_chromium(browser_page, live_server, temporal, tmp_path):
    expect = _expect()
    page, base = browser_page, live_server.url
    manager = UserFactory(username="manager1", role=roles.TEST_MANAGER)
    UserFactory(username="tester1", role=roles.TESTER)
    UserFactory(username="owner1", role=roles.REPORT_OWNER)
    files = {
        "loans.csv": csv_bytes(catalogue_rows(5, "Loan")),
        "deposits.xlsx": xlsx_bytes(catalogue_rows(4, "Deposit")),
    }
    bad = catalogue_rows(3)
    bad[0][3], bad[2][1] = "blob", ""
    files["bad.csv"] = csv_bytes(bad)
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)

    # Every set-up page under the Content-Security-Policy: no violation.
    page.context.add_init_script(RECORD_VIOLATIONS)
    violations: list[str] = []

    def no_csp_violation():
        violations.extend(f"{page.url}: {v}" for v in page.evaluate("window.__cspViolations || []"))

    log_in(page, base, manager)
    page.get_by_role("navigation").get_by_role("link", name="Cycles").click()
    page.get_by_role("link", name="New cycle").click()
    page.get_by_label("Name").fill("Q3 2026 browser")
    page.get_by_label("Period end").fill("2026-09-30")
    no_csp_violation()
    page.shots.take(page, "new cycle")
    page.get_by_role("button", name="Create the cycle").click()
    expect(page.get_by_role("heading", name="Set up Q3 2026 browser")).to_be_visible()
    cycle = TestCycle.objects.get(name="Q3 2026 browser")

    add = page.locator("#add-report")
    for name in REPORTS:
        add.get_by_label("New report's name").fill(name)
        add.get_by_label("New report's regulation").fill(name.split(" ")[0])
        add.get_by_label("Report owner").select_option(label="owner1")
        add.get_by_role("button", name="Add the report").click()
        expect(page.get_by_text(f"{name} added to the cycle.")).to_be_visible()
        add = page.locator("#add-report")
    # The tester of all three at once.
    for name in REPORTS:
        page.get_by_label(f"Select {name}").check()
    page.locator("#assign").get_by_label("Tester").select_option(label="tester1")
    no_csp_violation()
    page.shots.take(page, "bulk assign")
    page.locator("#assign").get_by_role("button", name="Assign").click()
    expect(page.get_by_text("3 reports assigned.")).to_be_visible()

    def upload(report_name: str, filename: str):
        row = page.locator("table.setup-reports tbody tr").filter(has_text=report_name)
        row.get_by_role("link", name="upload catalogue").click()
        page.get_by_label("Catalogue (.csv or .xlsx)").set_input_files(str(tmp_path / filename))
        page.get_by_role("button", name="Preview").click()

    # A spreadsheet with bad rows: every error listed, nothing saved.
    upload(REPORTS[0], "bad.csv")
    errors = page.locator("table.errors tbody tr")
    expect(errors).to_have_count(2)
    expect(errors.nth(0)).to_contain_text("Data Type")
    expect(errors.nth(1)).to_contain_text("The name is empty.")
    no_csp_violation()
    page.shots.take(page, "bad spreadsheet refused")
    assert not ReportAttribute.objects.filter(report__name=REPORTS[0]).exists()
    page.goto(f"{base}/cycles/{cycle.pk}/setup/")

    for report_name, filename, count in ((REPORTS[0], "loans.csv", 5), (REPORTS[1], "loans.csv", 5), (REPORTS[2], "deposits.xlsx", 4)):
        upload(report_name, filename)
        expect(page.locator("#catalogue-summary")).to_contain_text(f"{count} to create")
        no_csp_violation()
        page.shots.take(page, f"preview {filename}")
        page.get_by_role("button", name="Confirm and save").click()
        expect(page.get_by_text(f"Catalogue saved: {count} created")).to_be_visible()
        assert ReportAttribute.current().filter(report__name=report_name).count() == count

    page.get_by_role("button", name="Start the cycle").click()
    expect(page.get_by_role("heading", name="Dashboard: Q3 2026 browser")).to_be_visible()
    expect(page.get_by_text("3 report(s) starting, 0 already running.")).to_be_visible()
    wait_until(
        lambda: HumanTask.objects.filter(cycle_report__cycle=cycle, kind=TESTER_REVIEW, state__in=HumanTask.ACTIVE_STATES).count() == 3,
        timeout=60,
        message="three tester reviews to open",
    )
    page.reload()
    rows = page.locator("table.dashboard tbody tr")
    expect(rows).to_have_count(3)
    for name in REPORTS:
        row = rows.filter(has_text=name)
        expect(row).to_contain_text("Tester review")
        expect(row.locator("td").nth(3)).to_have_text("tester1")
        expect(row).to_contain_text("Waiting for a person")
    expect(page.locator("table.steps")).to_contain_text(re.compile(r"Scoping: Tester review\s*3"))
    no_csp_violation()
    page.shots.take(page, "dashboard every report waiting for its tester")
    assert not violations, violations
    assert CycleReport.objects.filter(cycle=cycle, workflow_run_id__gt="").count() == 3
