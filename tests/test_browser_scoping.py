"""The Scoping phase as people do it, in headless Chromium: the tester
reviews with one override, the owner sends it back, the tester reviews
again, the owner approves, and the report's page shows the phase completed.

Served by pytest-django's live server, backed by the session's real Temporal
dev server and worker. Screenshots of every page land in
artifacts/screenshots/<test name>/ (kept by CI)."""
from __future__ import annotations

import re

import pytest

from cycles.models import CycleReport
from scoping.models import OwnerDecision, Recommendation, ScopingSubmission

from . import helpers
from .factories import PASSWORD, scoped_report

pytestmark = [pytest.mark.temporal, pytest.mark.browser]

OVERRIDE_RATIONALE = "Covered by the reconciliation control"
SEND_BACK_COMMENTS = "Keep this attribute in scope: the control is not yet evidenced."


def _expect():
    from playwright.sync_api import expect

    return expect


def log_in(page, base_url: str, user) -> None:
    expect = _expect()
    page.goto(f"{base_url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.shots.take(page, f"login {user.username}")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/tasks/$"))
    expect(page.locator("header .who")).to_have_text(user.username)


def log_out(page) -> None:
    page.get_by_role("button", name="Log out").click()
    _expect()(page).to_have_url(re.compile(r"/accounts/login/"))


def open_task(page, cr: CycleReport, link: str) -> None:
    """From "My tasks", follow the task's link on the report's row."""
    expect = _expect()
    page.get_by_role("navigation").get_by_role("link", name="My tasks").click()
    expect(page.get_by_role("heading", name="My tasks")).to_be_visible()
    row = page.locator("table.tasks tbody tr").filter(has_text=cr.report.name)
    expect(row).to_have_count(1)
    page.shots.take(page, f"my tasks {link}")
    row.get_by_role("link", name=link).click()


def attribute_row(page, name: str):
    return page.locator("table.attributes tbody tr").filter(has=page.get_by_text(name, exact=True))


def test_review_send_back_review_again_approve_in_chromium(browser_page, live_server, temporal):
    expect = _expect()
    page, base = browser_page, live_server.url
    cr = scoped_report(attributes=6)
    report_url = f"{base}/cycles/{cr.cycle_id}/reports/{cr.report_id}/"

    # The tester starts Scoping from the report's page.
    log_in(page, base, cr.tester)
    page.goto(report_url)
    page.get_by_role("button", name="Start the report's workflow").click()
    expect(page.get_by_text("The report's workflow started.")).to_be_visible()
    helpers.wait_for_task(cr, "tester_review")
    helpers.wait_for_awaiting(temporal, cr, "tester_review")
    page.shots.take(page, "report started")

    # Round 1: one override of the recommendation, with its rationale.
    open_task(page, cr, "Review")
    expect(page.get_by_role("heading", name=f"Scoping review: {cr.report.name}")).to_be_visible()
    recs = list(Recommendation.objects.filter(cycle_report=cr).select_related("attribute"))
    assert len(recs) == 6
    for rec in recs:
        expect(attribute_row(page, rec.attribute.name)).to_have_count(1)
    flip = next(r.attribute for r in recs if r.include and not r.attribute.is_primary_key)
    row = attribute_row(page, flip.name)
    row.get_by_label("Exclude", exact=True).check()
    expect(page.locator("#override-count")).to_have_text("1 override(s)")
    # A closed or reloaded tab loses nothing: the draft comes back.
    page.reload()
    expect(page.locator("#draft-notice")).to_be_visible()
    expect(attribute_row(page, flip.name).get_by_label("Exclude", exact=True)).to_be_checked()
    page.locator("#attribute-filter").fill(flip.name)
    expect(page.locator("tr[data-recommended]:visible")).to_have_count(1)
    page.locator("#attribute-filter").fill("")
    page.shots.take(page, "review override without rationale")
    page.get_by_role("button", name="Submit review", exact=True).click()
    # The browser refuses it first: the override's rationale is required.
    expect(attribute_row(page, flip.name).locator("textarea:invalid")).to_have_count(1)
    assert not ScopingSubmission.objects.filter(cycle_report=cr).exists()
    # Blank text passes the browser's check, not the form's: refused, nothing saved.
    attribute_row(page, flip.name).get_by_placeholder("Rationale (required when overriding)").fill("   ")
    page.get_by_role("button", name="Submit review", exact=True).click()
    expect(attribute_row(page, flip.name).locator(".error")).to_contain_text("rationale is required")
    expect(page.locator("#error-summary")).to_contain_text(flip.name)
    page.shots.take(page, "review refused rationale missing")
    assert not ScopingSubmission.objects.filter(cycle_report=cr).exists()

    row = attribute_row(page, flip.name)
    expect(row.get_by_label("Exclude", exact=True)).to_be_checked()  # the choice survived the refusal
    row.get_by_placeholder("Rationale (required when overriding)").fill(OVERRIDE_RATIONALE)
    page.get_by_role("button", name="Submit review", exact=True).click()
    expect(page).to_have_url(report_url)
    expect(page.get_by_text("Your review was accepted (version 1).")).to_be_visible()
    page.shots.take(page, "review round 1 accepted")
    log_out(page)

    # The owner sends it back with comments.
    helpers.wait_for_awaiting(temporal, cr, "report_owner_approval")
    log_in(page, base, cr.report_owner)
    open_task(page, cr, "Approve")
    expect(page.get_by_role("heading", name=f"Approval: {cr.report.name}")).to_be_visible()
    override = page.locator("table.overrides tbody tr")
    expect(override).to_have_count(1)
    expect(override).to_contain_text(flip.name)
    expect(override).to_contain_text(OVERRIDE_RATIONALE)
    page.get_by_label("Send back for changes").check()
    page.get_by_label("Comments (required when sending back)").fill(SEND_BACK_COMMENTS)
    page.shots.take(page, "approval send back")
    page.get_by_role("button", name="Submit decision").click()
    expect(page).to_have_url(report_url)
    expect(page.get_by_text("Your decision was accepted")).to_be_visible()
    page.shots.take(page, "sent back")
    log_out(page)

    # Round 2: the tester sees the comments and puts the attribute back in scope.
    helpers.wait_for_task(cr, "tester_review", round_no=2)
    helpers.wait_for_awaiting(temporal, cr, "tester_review")
    log_in(page, base, cr.tester)
    open_task(page, cr, "Review")
    feedback = page.locator(".feedback")
    expect(feedback).to_contain_text(f"Sent back by {cr.report_owner.username}")
    expect(feedback).to_contain_text(SEND_BACK_COMMENTS)
    row = attribute_row(page, flip.name)
    expect(row.get_by_label("Exclude", exact=True)).to_be_checked()  # starts from version 1
    row.get_by_label("Include", exact=True).check()
    row.get_by_placeholder("Rationale (required when overriding)").fill("")
    page.shots.take(page, "review round 2")
    page.get_by_role("button", name="Submit review", exact=True).click()
    expect(page).to_have_url(report_url)
    expect(page.get_by_text("Your review was accepted (version 2).")).to_be_visible()
    page.shots.take(page, "review round 2 accepted")
    log_out(page)

    # The owner approves; the report's page shows Scoping completed.
    helpers.wait_for_awaiting(temporal, cr, "report_owner_approval")
    log_in(page, base, cr.report_owner)
    open_task(page, cr, "Approve")
    expect(page.locator("table.overrides")).to_have_count(0)
    page.get_by_label("Approve", exact=True).check()
    page.shots.take(page, "approval approve")
    page.get_by_role("button", name="Submit decision").click()
    expect(page).to_have_url(report_url)
    outcome = helpers.scoping_outcome(temporal, cr)
    assert (outcome["versions"], outcome["approved_version"]) == (2, 2)
    page.reload()
    expect(page.locator("#phase-scoping")).to_have_text("Completed")
    expect(page.locator("#phase-sample-selection")).to_have_text("In progress")
    expect(page.locator("#awaiting")).to_contain_text(f"Sample selection by {cr.tester.username}")
    expect(page.locator(".timeline")).to_contain_text("Phase completed")
    page.shots.take(page, "report completed")

    # What the pages did is what the database holds.
    versions = list(ScopingSubmission.objects.filter(cycle_report=cr).order_by("version"))
    assert [(s.version, s.overrides) for s in versions] == [(1, 1), (2, 0)]
    assert list(OwnerDecision.objects.filter(submission__cycle_report=cr).order_by("id").values_list("outcome", "comments")) == [
        ("changes_requested", SEND_BACK_COMMENTS),
        ("approved", ""),
    ]
    cr.refresh_from_db()
    assert helpers.phase_status(cr, "Scoping") == "completed"
    assert page.shots.count >= 15
