"""Issue 13 played in headless Chromium, part by part, as people meet it.
Screenshots: artifacts/screenshots/<test name>/ (see the README, "Browser
tests and screenshots").

- test_issue_13_manager_delegation_exports_details: parts 2, 5, 6 and 7 on
  rows written as the activities would (tests/rows.py): the manager's queue
  and its reassignments, the out-of-office delegation and what the people
  concerned then see, the exports, the admin, dates and favicon.
- test_issue_13_durations_with_units_and_grouped_reminders: part 1, a
  manager sets a cycle's durations with units and is stopped below the
  minimum; a run of reminders is one timeline line with its count.
- test_issue_13_review_form_and_live_report_page: parts 3 and 4 on the
  session's real Temporal dev server and worker: the review form's guidance
  and confirmations, the report page that follows the workflow without a
  reload, versions and their diff, the scope as approved."""
from __future__ import annotations

import re

import pytest

from cycles import roles
from reviews.models import Delegation, HumanTask, Reassignment
from scoping import workflow_steps as s
from scoping.models import ScopingSubmission

from . import helpers, rows
from .factories import UserFactory, scoped_report
from .test_browser_scoping import attribute_row, log_in, log_out

pytestmark = pytest.mark.browser


def _expect():
    from playwright.sync_api import expect

    return expect


def test_issue_13_manager_delegation_exports_details(browser_page, live_server, settings, tmp_path):
    expect = _expect()
    settings.TIME_ZONE = "America/New_York"
    page, base = browser_page, live_server.url
    olivia = UserFactory(username="oowner", first_name="Olivia", last_name="Owner", role=roles.REPORT_OWNER)
    tess = UserFactory(username="tstone", first_name="Tess", last_name="Stone", role=roles.TESTER)
    tara = UserFactory(username="tester2", first_name="Tara", last_name="Two", role=roles.TESTER)
    UserFactory(username="owner2", first_name="Omar", last_name="Other", role=roles.REPORT_OWNER)
    call = scoped_report(attributes=6, tester=tess, report__name="FFIEC 031 Schedule RC-C", report__owner=olivia)
    loans = scoped_report(attributes=6, cycle=call.cycle, tester=tess, report__name="FR Y-14Q Corporate Loans", report__owner=olivia)
    rows.recommendations(call)
    rows.recommendations(loans)
    rows.submission(loans, tess)
    review = rows.task(call, s.TESTER_REVIEW, tess, overdue=True)
    approval = rows.task(loans, s.REPORT_OWNER_APPROVAL, olivia)
    manager = call.cycle.test_manager
    manager.first_name, manager.last_name, manager.is_staff = "Max", "Manager", True
    manager.save()
    from reviews.role_permissions import grant

    grant()

    # --- Part 2: the manager's queue, partial filters, reassign in the app.
    log_in(page, base, manager)
    page.get_by_role("navigation").get_by_role("link", name="All tasks").click()
    expect(page.get_by_role("heading", name="All open tasks")).to_be_visible()
    queue = page.locator("table.manager-queue tbody tr")
    expect(queue).to_have_count(2)
    expect(queue.first).to_contain_text("Tess Stone (tstone)")
    expect(queue.first).to_contain_text("overdue")
    expect(page.locator("table.manager-queue")).not_to_contain_text("delegated")
    page.shots.take(page, "part 2 manager queue")
    page.get_by_label("Held by").fill("olivia")
    page.get_by_role("button", name="Filter").click()
    expect(queue).to_have_count(1)
    expect(queue.first).to_contain_text("Olivia Owner (oowner)")
    page.get_by_label("Held by").fill("nobody-here")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("No open task matches these filters.")).to_be_visible()
    page.shots.take(page, "part 2 partial filter nothing matches")
    page.get_by_role("link", name="Clear filters").click()
    queue.filter(has_text="FR Y-14Q Corporate Loans").get_by_role("link", name="Reassign").click()
    options = page.locator("select[name=to] option")
    expect(options).to_have_text(["Choose a person", "Omar Other (owner2)"])  # eligible people only
    page.get_by_label("Reassign to").select_option("owner2")
    page.get_by_role("button", name="Reassign").click()
    # The browser asks for the reason before sending (required).
    expect(page.locator("textarea[name=reason]:invalid")).to_have_count(1)
    page.get_by_label("Reason (required)").fill("Olivia is on leave this week")
    page.shots.take(page, "part 2 reassign one task")
    page.get_by_role("button", name="Reassign").click()
    expect(page.get_by_text("reassigned to Omar Other (owner2)")).to_be_visible()
    expect(queue.filter(has_text="FR Y-14Q Corporate Loans")).to_contain_text("Omar Other (owner2)")
    page.shots.take(page, "part 2 reassigned")
    assert HumanTask.objects.get(pk=approval.pk).assignee.username == "owner2"

    # Bulk: everything Tess holds, to Tara.
    page.get_by_role("link", name="Reassign everything a person holds…").click()
    page.get_by_label("Everything held by").select_option("tstone")
    page.get_by_label("Reassign to").select_option("tester2")
    page.get_by_label("Reason (required)").fill("Parental leave")
    page.shots.take(page, "part 2 bulk reassign")
    page.get_by_role("button", name="Reassign their tasks").click()
    expect(page.get_by_text("1 task(s) of Tess Stone (tstone) reassigned to Tara Two (tester2)")).to_be_visible()
    page.shots.take(page, "part 2 bulk reassigned")
    assert Reassignment.objects.filter(from_user=tess, to_user=tara).count() == 1

    # --- Part 6: the exports an examiner can use.
    page.goto(f"{base}/cycles/{call.cycle_id}/")
    page.shots.take(page, "part 6 cycle page with exports")
    with page.expect_download() as audit:
        page.get_by_role("link", name="Download audit trail (CSV)").click()
    header = open(audit.value.path(), encoding="utf-8").readline().strip()
    assert header == "at_utc,event,report,actor,acting_for,task_holder,delegator,delegate,workflow_id,run_id,payload_sha256,detail"
    with page.expect_download() as excel:
        page.get_by_role("link", name="Scoping decisions (Excel)").click()
    from openpyxl import load_workbook

    assert excel.value.suggested_filename.endswith("-scoping-decisions.xlsx")
    excel.value.save_as(tmp_path / "decisions.xlsx")
    sheet = load_workbook(tmp_path / "decisions.xlsx").active
    assert sheet.max_row == 1 + 6  # loans' version 1: six attributes

    # --- Part 7: the admin is branded; it speaks plainly (part 5).
    page.goto(f"{base}/admin/")
    expect(page.locator("#site-name")).to_have_text("RegTest cycles administration")
    page.shots.take(page, "part 7 admin branded")
    page.goto(f"{base}/admin/reviews/delegation/add/")
    page.locator("select[name=delegator]").select_option(label="oowner")
    page.locator("select[name=delegate]").select_option(label="owner2")
    page.locator("input[name=starts_at_0]").fill("2026-12-10")
    page.locator("input[name=starts_at_1]").fill("09:00:00")
    page.locator("input[name=ends_at_0]").fill("2026-12-01")
    page.locator("input[name=ends_at_1]").fill("09:00:00")
    page.locator("input[name=reason]").fill("leave")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("The delegation must end after it starts.")).to_be_visible()
    expect(page.locator("#content")).not_to_contain_text("Constraint")
    page.shots.take(page, "part 5 admin plain error")
    assert not Delegation.objects.exists()
    log_out(page)

    # --- Part 5: the person who lost a task is told; out of office on the profile.
    log_in(page, base, tess)
    page.goto(f"{base}/cycles/{call.cycle_id}/reports/{call.report_id}/review/")
    expect(page.locator(".error")).to_contain_text("reassigned from you to Tara Two (tester2) by Max Manager")
    expect(page.locator(".error")).to_contain_text("Parental leave")
    page.shots.take(page, "part 5 lost task explained")
    page.get_by_role("navigation").get_by_role("link", name="My profile").click()
    expect(page.locator("select[name=delegate] option")).to_have_text(["Choose a person", "Tara Two (tester2)"])
    page.get_by_label("Who acts for me").select_option("tester2")
    import datetime as dt

    from django.utils import timezone

    today = timezone.localdate()
    last = today + dt.timedelta(days=4)
    page.get_by_label("From").fill(today.isoformat())
    page.get_by_label("Until (included)").fill(last.isoformat())
    page.get_by_label("Reason").fill("Conference")
    page.get_by_role("button", name="Set my out-of-office delegation").click()
    expect(page.get_by_text("Tara Two (tester2) acts on your tasks until")).to_be_visible()
    expect(page.locator("#delegation-history")).to_contain_text("Delegation created")
    page.shots.take(page, "part 5 out of office set")
    log_out(page)

    # Tess gets a new task; Tara, her delegate, acts for her (part 3's notice).
    third = scoped_report(attributes=4, cycle=call.cycle, tester=tess, report__name="FR Y-9C Schedule HC-R", report__owner=olivia)
    rows.recommendations(third)
    rows.task(third, s.TESTER_REVIEW, tess)
    log_in(page, base, tara)
    expect(page.locator("table.tasks")).to_contain_text("delegated to you")
    page.goto(f"{base}/cycles/{third.cycle_id}/reports/{third.report_id}/review/")
    expect(page.locator("#acting-for")).to_contain_text(f"Acting for Tess Stone (tstone) (delegation until {last.day} {last:%b})")
    page.shots.take(page, "part 3 acting for with delegation end")
    # The overdue task Tara now holds says so, with the date in one format and zone.
    page.goto(f"{base}/cycles/{call.cycle_id}/reports/{call.report_id}/review/")
    expect(page.locator("#task-overdue")).to_contain_text(re.compile(r"due \w{3} \d\d \w{3} \d{4}, \d\d:\d\d E[SD]T"))
    page.shots.take(page, "part 3 overdue notice")
    # Part 7: a favicon.
    icon = page.request.get(f"{base}/favicon.ico")
    assert icon.ok and "svg" in icon.headers["content-type"]


@pytest.mark.temporal
def test_issue_13_review_form_and_live_report_page(browser_page, live_server, temporal, settings):
    expect = _expect()
    settings.TEMPORAL_UI_URL = "http://127.0.0.1:8233"
    page, base = browser_page, live_server.url
    cr = scoped_report(attributes=6)
    cr.report_owner.first_name, cr.report_owner.last_name = "Olivia", "Owner"
    cr.report_owner.save()
    report_url = f"{base}/cycles/{cr.cycle_id}/reports/{cr.report_id}/"
    review_url = report_url + "review/"
    assert helpers.start(_api(cr.tester), cr).status_code == 201
    helpers.wait_for_task(cr, s.TESTER_REVIEW)
    helpers.wait_for_awaiting(temporal, cr, s.TESTER_REVIEW)

    # --- Part 3: the review form guides.
    log_in(page, base, cr.tester)
    page.goto(review_url)
    recs = {r.attribute.name: r for r in _recommendations(cr)}
    flip = next(r.attribute for r in recs.values() if r.include and not r.attribute.is_primary_key)
    pk = next(r.attribute for r in recs.values() if r.attribute.is_primary_key)
    expect(attribute_row(page, pk.name).locator("textarea")).to_have_count(0)  # none on a locked primary key
    row = attribute_row(page, flip.name)
    row.get_by_label("Exclude", exact=True).check()
    page.get_by_role("button", name="Submit review", exact=True).click()
    expect(row.locator("textarea:invalid")).to_have_count(1)  # the browser checks it first
    row.get_by_placeholder("Rationale (required when overriding)").fill("   ")
    page.get_by_role("button", name="Submit review", exact=True).click()
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("1 problem to fix")
    page.shots.take(page, "part 3 error summary")
    summary.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"#row-{flip.pk}$"))
    assert not ScopingSubmission.objects.filter(cycle_report=cr).exists()

    # The report page in a second tab, as the tester sees it now.
    watcher = page.context.new_page()
    watcher.goto(report_url)
    expect(watcher.locator("#awaiting")).to_contain_text(f"Tester review by {cr.tester.username}, due ")
    watcher.evaluate("window.__notReloaded = true")

    # "Accept all" asks first: dismissed, nothing is sent; accepted, it is.
    answers = iter([False, True])
    seen = []

    def on_dialog(dialog):
        seen.append(dialog.message)
        dialog.accept() if next(answers) else dialog.dismiss()

    page.on("dialog", on_dialog)
    accept_all = page.get_by_role("button", name="Accept all recommendations and submit")
    accept_all.click()
    expect(page).to_have_url(re.compile(r"/review/"))
    assert len(seen) == 1 and "every recommendation" in seen[0]
    assert not ScopingSubmission.objects.filter(cycle_report=cr).exists()
    page.shots.take(page, "part 3 accept all apart from reset")
    accept_all.click()
    # (The #row- fragment the summary's link added survives the redirect.)
    expect(page).to_have_url(re.compile(re.escape(report_url) + r"(#row-\d+)?$"))
    expect(page.get_by_text("Your review was accepted (version 1).")).to_be_visible()

    # --- Part 4: the tab left open follows the workflow without a reload.
    expect(watcher.locator("#awaiting")).to_contain_text("Report-owner approval by Olivia Owner", timeout=20_000)
    assert watcher.evaluate("window.__notReloaded") is True
    expect(watcher.locator("#phase-scoping")).to_have_text("In progress")
    expect(watcher.locator("#step-action")).to_have_count(0)  # the tester may not approve
    watcher.shots = page.shots
    page.shots.take(watcher, "part 4 report page updated itself")
    watcher.close()
    log_out(page)

    # The owner sends version 1 back; the tester's round 2 warns about reset.
    log_in(page, base, cr.report_owner)
    page.goto(report_url)
    expect(page.locator("#step-action")).to_have_text("Approve")
    page.locator("#step-action").click()
    page.get_by_label("Send back for changes").check()
    page.get_by_label("Comments (required when sending back)").fill(f"Put {flip.name} out of scope, with a reason.")
    page.get_by_role("button", name="Submit decision").click()
    expect(page.get_by_text("Your decision was accepted")).to_be_visible()
    log_out(page)
    helpers.wait_for_task(cr, s.TESTER_REVIEW, round_no=2)
    helpers.wait_for_awaiting(temporal, cr, s.TESTER_REVIEW)
    log_in(page, base, cr.tester)
    page.goto(review_url)
    expect(page.locator("#reset-warning")).to_contain_text("throws away your version 1 overrides")
    page.shots.take(page, "part 3 round 2 reset warning")
    row = attribute_row(page, flip.name)
    row.get_by_label("Exclude", exact=True).check()
    row.get_by_placeholder("Rationale (required when overriding)").fill("Tested by the reconciliation control")
    page.get_by_role("button", name="Submit review", exact=True).click()
    expect(page.get_by_text("Your review was accepted (version 2).")).to_be_visible()
    log_out(page)

    # --- Part 4: the owner's round-2 form shows what changed; approving
    # shows the scope as approved; versions and the Temporal link.
    helpers.wait_for_awaiting(temporal, cr, s.REPORT_OWNER_APPROVAL)
    log_in(page, base, cr.report_owner)
    page.goto(report_url + "approval/")
    diff = page.locator("#version-diff")
    expect(diff).to_contain_text("Changes since version 1")
    expect(diff.locator("tbody tr")).to_have_count(1)
    expect(diff).to_contain_text(flip.name)
    expect(diff).to_contain_text("Tested by the reconciliation control")
    page.shots.take(page, "part 4 round 2 approval with diff")
    page.get_by_label("Approve", exact=True).check()
    page.get_by_role("button", name="Submit decision").click()
    expect(page).to_have_url(report_url)
    expect(page.locator("#phase-scoping")).to_have_text("Completed", timeout=20_000)
    expect(page.locator("#awaiting")).to_contain_text(f"Sample selection by {cr.tester.username}", timeout=20_000)
    from scoping.models import ScopingDecision

    in_scope = list(ScopingDecision.objects.filter(submission__cycle_report=cr, submission__version=2, include=True)
                    .values_list("attribute__name", flat=True))
    assert in_scope and flip.name not in in_scope
    scope = page.locator("table.approved-scope tbody tr")
    expect(scope).to_have_count(len(in_scope))
    for name in in_scope:
        expect(page.locator("table.approved-scope")).to_contain_text(name)
    expect(page.locator("table.approved-scope")).not_to_contain_text(flip.name)
    page.shots.take(page, "part 4 scope as approved")
    page.get_by_role("link", name="changes from version 1").click()
    expect(page.locator("#version-diff")).to_contain_text(flip.name)
    page.shots.take(page, "part 4 version 2 with diff")
    log_out(page)
    log_in(page, base, cr.cycle.test_manager)
    page.goto(report_url)
    link = page.locator("#temporal-ui-link")
    expect(link).to_have_attribute("href", f"http://127.0.0.1:8233/namespaces/{settings.TEMPORAL_NAMESPACE}/workflows/{cr.expected_workflow_id}")
    expect(page.locator(".timeline")).not_to_contain_text("Workflow started — Workflow started")
    page.shots.take(page, "part 4 manager sees the temporal link")


def _api(user):
    from .clients import session_api

    return session_api(user)


def _recommendations(cr):
    from scoping.models import Recommendation

    return list(Recommendation.objects.filter(cycle_report=cr).select_related("attribute"))


def test_issue_13_durations_with_units_and_grouped_reminders(browser_page, live_server, settings):
    """Part 1: durations with units, refused below the minimum with a plain
    reason; repeated reminders shown once with their count."""
    expect = _expect()
    settings.HUMAN_TASK_MIN_REMIND_EVERY = 3600
    page, base = browser_page, live_server.url
    cr = scoped_report(attributes=2)
    manager = cr.cycle.test_manager
    log_in(page, base, manager)
    page.goto(f"{base}/cycles/new/")
    page.get_by_label("Name").fill("Q4 2026 call report cycle")
    page.get_by_label("Period end").fill("2026-12-31")
    page.locator("#id_task_due_amount").fill("3")
    page.locator("#id_task_due_unit").select_option("business_days")
    page.locator("#id_reminder_amount").fill("1")
    page.locator("#id_reminder_unit").select_option("minutes")
    page.locator("#id_max_reminders").fill("5")
    page.get_by_role("button", name=re.compile("Create", re.I)).click()
    expect(page.locator("body")).to_contain_text("At least 1 hour: shorter would flood people with e-mails.")
    page.shots.take(page, "part 1 reminder below the minimum refused")
    page.locator("#id_reminder_unit").select_option("days")
    page.get_by_role("button", name=re.compile("Create", re.I)).click()
    expect(page).to_have_url(re.compile(r"/cycles/\d+/setup/$"))
    page.shots.take(page, "part 1 cycle created with units")

    for n in (1, 2, 3):
        rows.audit_event(cr, detail=f"Reminder {n} to {cr.tester.username} for Tester review")
    page.goto(f"{base}/cycles/{cr.cycle_id}/reports/{cr.report_id}/")
    grouped = page.locator("#timeline-card li.event-reminder_sent")
    expect(grouped).to_have_count(1)
    expect(grouped).to_contain_text("×3")
    page.shots.take(page, "part 1 reminders as one timeline line")
