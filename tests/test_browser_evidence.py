"""The Evidence phase as people do it, in headless Chromium: after Scoping
and Sample Selection (through the services), the data provider uploads a
file per record and enters the source values, the tester returns one
record, the provider provides it again, the tester accepts it, and the
report's page shows the phase and its test results. Screenshots in
artifacts/screenshots/<test name>/."""
from __future__ import annotations

import pytest

from evidence import rounds
from evidence.models import EvidenceFile, EvidenceReview

from . import helpers
from .factories import scoped_report
from .test_browser_scoping import _expect, log_in, log_out, open_task

pytestmark = [pytest.mark.temporal, pytest.mark.browser]


def fill_evidence(page, cr, items, tmp_path) -> None:
    expect = _expect()
    for item in items:
        path = tmp_path / f"{item.record.key}.pdf"
        path.write_bytes(helpers.evidence_pdf(item.record.key))
        record = page.locator(f"#record-{item.pk}")
        record.locator("input[type=file]").set_input_files(str(path))
        record.get_by_role("button", name="Upload").click()
        expect(page.locator(f"#record-{item.pk} ul.files a")).to_have_text(f"{item.record.key}.pdf")
    for item in items:
        for attribute_id, value in helpers.source_values(cr, item).items():
            page.locator(f"input[name='value_{item.pk}_{attribute_id}']").fill(value)


def test_evidence_returned_once_then_accepted_in_chromium(browser_page, live_server, temporal, tmp_path):
    expect = _expect()
    page, base = browser_page, live_server.url
    cr = scoped_report(attributes=6)
    helpers.through_scoping(temporal, cr)
    helpers.through_sampling(temporal, cr, evidence=False)
    items = rounds.awaiting_evidence(cr)

    # Round 1: the provider uploads and enters values; a draft survives a visit.
    log_in(page, base, cr.data_provider)
    open_task(page, cr, "Provide the evidence")
    expect(page.get_by_role("heading", name=f"Evidence request: {cr.report.name}")).to_be_visible()
    fill_evidence(page, cr, items, tmp_path)
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    page.reload()
    first_value = next(iter(helpers.source_values(cr, items[0]).items()))
    expect(page.locator(f"input[name='value_{items[0].pk}_{first_value[0]}']")).to_have_value(first_value[1])
    page.shots.take(page, "evidence filled")
    page.get_by_role("button", name="Submit the evidence").click()
    expect(page.get_by_text("Your evidence was accepted (version 1).")).to_be_visible()
    helpers.wait_for_awaiting(temporal, cr, "evidence_review")
    log_out(page)

    # The tester returns the first record.
    log_in(page, base, cr.tester)
    open_task(page, cr, "Review the evidence")
    for i, item in enumerate(items):
        record = page.locator(f"#review-{item.pk}")
        record.get_by_label("Return to the provider" if i == 0 else "Accept").check()
        if i == 0:
            record.locator("textarea").fill("The scan is not legible")
    page.shots.take(page, "review")
    page.get_by_role("button", name="Submit the review").click()
    expect(page.get_by_text("Your review was accepted (version 1).")).to_be_visible()
    helpers.wait_for_task(cr, "evidence_submission", round_no=2)
    helpers.wait_for_awaiting(temporal, cr, "evidence_submission")
    log_out(page)

    # Round 2: only the returned record, with the tester's comment.
    log_in(page, base, cr.data_provider)
    open_task(page, cr, "Provide the evidence")
    expect(page.get_by_text("Returned: The scan is not legible")).to_be_visible()
    expect(page.locator(".evidence-record")).to_have_count(1)
    page.shots.take(page, "round 2")
    page.get_by_role("button", name="Submit the evidence").click()
    expect(page.get_by_text("Your evidence was accepted (version 2).")).to_be_visible()
    helpers.wait_for_awaiting(temporal, cr, "evidence_review")
    log_out(page)

    log_in(page, base, cr.tester)
    open_task(page, cr, "Review the evidence")
    page.locator(f"#review-{items[0].pk}").get_by_label("Accept").check()
    page.get_by_role("button", name="Submit the review").click()
    expect(page.get_by_text("Your review was accepted (version 2).")).to_be_visible()
    assert helpers.result(temporal, cr)["phases"]["Evidence"] == "completed"
    page.goto(f"{base}/cycles/{cr.cycle_id}/reports/{cr.report_id}/")
    expect(page.locator("#evidence-section")).to_be_visible()
    expect(page.locator("#test-results tbody tr")).to_have_count(len(items) * len(rounds.attributes_in_scope(cr)))
    page.shots.take(page, "report with results")
    assert EvidenceReview.objects.filter(cycle_report=cr).count() == 2
    assert EvidenceFile.objects.filter(cycle_report=cr).count() == len(items)
