"""In headless Chromium: the tester reviews a report whose first batch the
model answered badly (malformed twice, so those attributes fell back to the
rules): every row names its source, the fallbacks say why; one override of
the model later, the test manager follows the cycle page's link to "Model
versus people" and finds it. Screenshots in artifacts/screenshots/."""
from __future__ import annotations

import pytest

from scoping.models import Recommendation

from . import helpers
from .clients import browser
from . import llm_server as srv
from .llm_server import llm  # noqa: F401  (fixture)
from .factories import scoped_report
from .test_browser_scoping import _expect, attribute_row, log_in, log_out, open_task

pytestmark = [pytest.mark.temporal, pytest.mark.browser]

RATIONALE = "The model underrates this field; it failed last quarter's reconciliation"


def test_sources_fallbacks_and_the_agreement_page_in_chromium(browser_page, live_server, temporal, llm):
    expect = _expect()
    page, base = browser_page, live_server.url
    llm.then(srv.malformed(), srv.malformed())
    cr = scoped_report(attributes=6)
    helpers.start(browser(cr.tester), cr)
    helpers.wait_for_awaiting(temporal, cr, "tester_review")
    recs = {r.attribute.name: r for r in Recommendation.objects.filter(cycle_report=cr).select_related("attribute")}

    log_in(page, base, cr.tester)
    open_task(page, cr, "Review")
    for name, rec in recs.items():
        row = attribute_row(page, name)
        expect(row.locator(".rec-source")).to_contain_text(f"by {rec.source}")
        if rec.fallback_reason:
            expect(row.locator(".rec-fallback")).to_contain_text("fallback to rules")
            expect(row.locator(".rec-fallback")).to_contain_text("unusable twice")
        else:
            expect(row.locator(".rec-fallback")).to_have_count(0)
    assert {r.source for r in recs.values()} == {"rules", srv.SERVED_MODEL}
    page.shots.take(page, "review form with sources and fallbacks")

    flip = next(r.attribute for r in recs.values() if r.source == srv.SERVED_MODEL and not r.attribute.is_primary_key)
    row = attribute_row(page, flip.name)
    row.get_by_label("Exclude" if recs[flip.name].include else "Include", exact=True).check()
    row.get_by_placeholder("Rationale (required when overriding)").fill(RATIONALE)
    page.get_by_role("button", name="Submit review", exact=True).click()
    expect(page.get_by_text("Your review was accepted (version 1).")).to_be_visible()
    log_out(page)

    log_in(page, base, cr.cycle.test_manager)
    page.goto(f"{base}/cycles/{cr.cycle_id}/")
    page.get_by_role("link", name="Model versus people").click()
    expect(page.get_by_role("heading", name=f"Model versus people: {cr.cycle.name}")).to_be_visible()
    override = page.locator("tr.override")
    expect(override).to_have_count(1)
    expect(override).to_contain_text(flip.name)
    expect(override).to_contain_text(RATIONALE)
    expect(page.locator('table[data-group="source"]')).to_contain_text(srv.SERVED_MODEL)
    page.shots.take(page, "model versus people")
