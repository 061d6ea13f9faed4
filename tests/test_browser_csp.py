"""The Content-Security-Policy in a real browser (issue 9, item 4): headless
Chromium opens the login page, a review page, the tokens page, the Django
admin (index, a list with actions, a change form) and the Swagger UI at
/api/docs/, and a locked-out sign-in, and not one CSP violation is reported, while the pages' own
scripts visibly run. Screenshots in artifacts/screenshots/<test name>/."""
from __future__ import annotations

import re

import pytest
from django.conf import settings

from accounts import tokens
from cycles import roles
from scoping import workflow_steps as s

from . import rows
from .factories import PASSWORD, UserFactory, scoped_report

pytestmark = pytest.mark.browser

# Collects what the browser itself reports, before any page script runs.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} in ${e.sourceFile}:${e.lineNumber}`);
});
"""


def test_pages_admin_and_api_docs_load_without_csp_violations(browser_page, live_server):
    from playwright.sync_api import expect

    page, base = browser_page, live_server.url
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.context.add_init_script(RECORD_VIOLATIONS)
    violations: list[str] = []

    def visit(url: str, name: str, ready):
        page.goto(url)
        expect(ready()).to_be_visible()
        violations.extend(f"{url}: {v}" for v in page.evaluate("window.__cspViolations || []"))
        page.shots.take(page, name)

    def log_in(user):
        visit(f"{base}/accounts/login/", f"login {user.username}", lambda: page.get_by_role("button", name="Log in"))
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(re.compile(r"/tasks/$"))

    # A locked-out sign-in shows its message on the login page.
    visit(f"{base}/accounts/login/", "login page", lambda: page.get_by_role("button", name="Log in"))
    for attempt in range(settings.SIGN_IN_FAILURE_LIMIT):
        page.get_by_label("Username").fill("no-such-person")
        page.get_by_label("Password").fill(f"guess {attempt}")
        page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("Sign-in is temporarily locked")
    page.shots.take(page, "locked out")

    cr = scoped_report(attributes=4)
    rows.recommendations(cr)
    rows.task(cr, s.TESTER_REVIEW, cr.tester)
    tokens.issue(cr.tester)
    log_in(cr.tester)
    visit(f"{base}/cycles/{cr.cycle_id}/reports/{cr.report_id}/review/", "review page",
          lambda: page.get_by_role("button", name="Submit review"))
    # app.js ran (it fills the live override count): script from 'self' works.
    expect(page.locator("#override-count")).to_have_text("0 override(s)")
    visit(f"{base}/accounts/tokens/", "tokens page", lambda: page.get_by_role("button", name="Revoke all my tokens"))
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))

    admin = UserFactory(username="csp-admin", role=roles.ADMIN, is_staff=True, is_superuser=True)
    log_in(admin)
    visit(f"{base}/admin/", "admin index", lambda: page.get_by_role("heading", name="Site administration"))
    visit(f"{base}/admin/reviews/humantask/", "admin task list", lambda: page.locator("#changelist-form"))
    visit(f"{base}/admin/auth/user/{admin.pk}/change/", "admin change form", lambda: page.locator("#user_form"))
    # The admin's own scripts ran: its collapsible navigation sidebar toggle is wired.
    expect(page.locator("#toggle-nav-sidebar")).to_be_visible()
    visit(f"{base}/api/docs/", "swagger ui", lambda: page.locator(".swagger-ui .info .title"))
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("RegTest cycles API")
    expect(page.locator(".opblock").first).to_be_visible()  # the schema was fetched and rendered
    violations.extend(page.evaluate("window.__cspViolations || []"))

    reported = [m for m in console if "Content Security Policy" in m or "Content-Security-Policy" in m]
    assert not violations, violations
    assert not reported, reported
