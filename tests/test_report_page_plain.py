"""Issue 13, part 4: a report page people can read. Rows are written as the
activities would (tests/rows.py); the page reads the database when no
workflow has started, the same rendering as with the workflow's answer
(the polling in Chromium: tests/test_browser_issue_13.py)."""
from __future__ import annotations

import re

import pytest
from django.test import override_settings

from cycles import roles
from cycles.models import PhaseStatus
from reviews import plain_status
from reviews.models import AuditEvent
from scoping import workflow_steps as s

from . import rows
from .clients import browser
from .factories import UserFactory, scoped_report


def url(cr, tail="") -> str:
    return f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/{tail}"


@pytest.fixture
def awaiting_approval(db):
    owner = UserFactory(username="oowner", first_name="Olivia", last_name="Owner", role=roles.REPORT_OWNER)
    cr = scoped_report(attributes=4, report__owner=owner)
    cr.report.attributes.update(is_primary_key=False)
    rows.recommendations(cr)
    v1 = rows.submission(cr, cr.tester, version=1, superseded=True)
    rows.owner_decision(v1, owner)
    rows.submission(cr, cr.tester, version=2)
    task = rows.task(cr, s.REPORT_OWNER_APPROVAL, owner, round_no=2)
    PhaseStatus.objects.create(cycle_report=cr, phase="Scoping", status="in_progress")
    return cr, task


def test_plain_words_and_buttons_only_for_who_may_use_them(awaiting_approval):
    cr, task = awaiting_approval
    as_tester = browser(cr.tester).get(url(cr)).content.decode()
    awaiting = re.search(r'<dd id="awaiting">(.*?)</dd>', as_tester, re.S).group(1)
    assert awaiting.startswith("Report-owner approval by Olivia Owner (oowner), due ")
    assert re.search(r"due \w{3} \d\d \w{3} \d{4}, \d\d:\d\d \w+", awaiting)
    visible = re.sub(r'(class|id|data-[a-z-]+)="[^"]*"', "", as_tester)  # what people read, not attributes
    assert "report_owner_approval" not in visible and "in_progress" not in visible
    assert 'id="phase-scoping">In progress<' in as_tester
    assert 'id="step-action"' not in as_tester  # the tester may not approve: no button
    as_owner = browser(task.assignee).get(url(cr)).content.decode()
    assert re.search(r'id="step-action" href="[^"]+/approval/">Approve<', as_owner)
    as_manager = browser(cr.cycle.test_manager).get(url(cr)).content.decode()
    assert 'id="step-action"' not in as_manager
    # The page polls with a static script: no inline script (CSP).
    assert '<script src="/static/js/report_status.js"' in as_owner
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", as_owner) is None


def test_versions_each_viewable_with_the_diff_also_on_the_round_2_approval_form(awaiting_approval):
    cr, task = awaiting_approval
    page = browser(cr.tester).get(url(cr)).content.decode()
    assert f'href="{url(cr, "scoping/versions/1/")}"' in page and f'href="{url(cr, "scoping/versions/2/")}#version-diff"' in page
    v2 = browser(cr.tester).get(url(cr, "scoping/versions/2/"))
    assert v2.status_code == 200
    diff = re.search(r'<section class="card" id="version-diff">(.*?)</section>', v2.content.decode(), re.S).group(1)
    assert "Changes from version 1" in diff
    # rows.submission overrides the first attribute in each version alike:
    # no decision changed between them.
    assert "No decision or rationale changed." in diff
    approval = browser(task.assignee).get(url(cr, "approval/")).content.decode()
    assert "Changes since version 1 (which you sent back)" in approval
    assert browser(cr.tester).get(url(cr, "scoping/versions/3/")).status_code == 404
    stranger = browser(UserFactory(role=roles.TESTER))
    assert stranger.get(url(cr, "scoping/versions/1/")).status_code == 404


@pytest.mark.django_db
def test_the_diff_names_what_changed():
    from scoping.models import ScopingDecision, ScopingSubmission
    from scoping.version_diff import diff

    cr = scoped_report(attributes=3)
    cr.report.attributes.update(is_primary_key=False)
    rows.recommendations(cr)
    v1 = rows.submission(cr, cr.tester, version=1, superseded=True)
    v2 = ScopingSubmission.objects.create(cycle_report=cr, version=2, message_id="m2", submitted_by=cr.tester,
                                          on_behalf_of=cr.tester, submitted_at=v1.submitted_at)
    old = {d.attribute_id: d for d in v1.decisions.all()}
    first, second, third = sorted(old.values(), key=lambda d: d.attribute.line_number)
    ScopingDecision.objects.bulk_create([
        ScopingDecision(submission=v2, attribute=first.attribute, include=not first.include, rationale="flipped back",
                        overrides_recommendation=True),
        ScopingDecision(submission=v2, attribute=second.attribute, include=second.include, rationale="now explained",
                        overrides_recommendation=second.overrides_recommendation or False),
        ScopingDecision(submission=v2, attribute=third.attribute, include=third.include, rationale=third.rationale,
                        overrides_recommendation=third.overrides_recommendation),
    ])
    changes = diff(v1, v2)
    assert [(c.attribute.pk, c.decision_changed, c.rationale_changed) for c in changes] == [
        (first.attribute.pk, True, True), (second.attribute.pk, False, True)
    ]


@pytest.mark.django_db
def test_the_scope_as_approved_once_the_phase_completes():
    cr = scoped_report(attributes=4)
    cr.report.attributes.update(is_primary_key=False)
    rows.recommendations(cr)
    sub = rows.submission(cr, cr.tester)
    rows.owner_decision(sub, cr.report_owner, approved=True)
    page = browser(cr.tester).get(url(cr)).content.decode()
    section = re.search(r'<table class="list approved-scope">(.*?)</table>', page, re.S).group(1)
    included = list(sub.decisions.filter(include=True).select_related("attribute"))
    assert included and section.count("<tr>") == 1 + len(included)
    for d in included:
        assert d.attribute.name in section
    assert "covered by a control" in section or "as recommended" in section
    assert "Scope as approved: version 1, approved by" in page


@pytest.mark.django_db
def test_the_timeline_says_things_once():
    cr = scoped_report(attributes=1)
    rows.audit_event(cr, event=AuditEvent.Event.WORKFLOW_STARTED, actor=cr.tester, detail=f"Workflow started by {cr.tester.username}")
    rows.audit_event(cr, event=AuditEvent.Event.PHASE_STARTED, detail="Scoping phase started")
    page = browser(cr.tester).get(url(cr)).content.decode()
    phase = re.search(r'<li class="event-phase_started">(.*?)</li>', page, re.S).group(1)
    assert phase.count("hase started") == 1 and "Scoping" in phase
    started = re.search(r'<li class="event-workflow_started">(.*?)</li>', page, re.S).group(1)
    assert started.count("Workflow started") == 1 and started.count(f"by {cr.tester.username}") == 1
    assert "—" not in started


@pytest.mark.django_db
def test_reminders_in_a_row_for_a_task_are_one_line_with_a_count():
    """Issue 13, part 1: a cycle that reminds often writes one timeline line
    per task, with how many reminders and since when."""
    cr = scoped_report(attributes=1)
    for n in (1, 2, 3):
        rows.audit_event(cr, detail=f"Reminder {n} to {cr.tester.username} for Tester review")
    rows.audit_event(cr, event=AuditEvent.Event.ESCALATION, detail="Escalated to the manager")
    rows.audit_event(cr, detail=f"Reminder 4 to {cr.tester.username} for Tester review")
    rows.audit_event(cr, detail=f"Reminder 1 to {cr.tester.username} for Sample selection")
    page = browser(cr.tester).get(url(cr)).content.decode()
    shown = re.findall(r'<li class="event-([a-z_]+)"(?: data-count="(\d+)")?>', page)
    assert shown == [("reminder_sent", "3"), ("escalated", ""), ("reminder_sent", ""), ("reminder_sent", "")]
    grouped = re.search(r'<li class="event-reminder_sent" data-count="3">(.*?)</li>', page, re.S).group(1)
    assert "×3, since" in grouped and "Reminder 3 to" in grouped


@override_settings(TEMPORAL_UI_URL="http://temporal-ui.example:8233", TEMPORAL_NAMESPACE="default")
@pytest.mark.django_db
def test_temporal_ui_link_for_started_reports_only():
    """The link itself; the page shows it to managers only (the browser test)."""
    cr = scoped_report(attributes=1)
    assert plain_status.temporal_ui_link(cr) == ""
    cr.workflow_run_id = "run-1"
    assert plain_status.temporal_ui_link(cr) == (
        f"http://temporal-ui.example:8233/namespaces/default/workflows/{cr.expected_workflow_id}"
    )
    with override_settings(TEMPORAL_UI_URL=""):
        assert plain_status.temporal_ui_link(cr) == ""


def test_phases_in_their_own_order_whatever_the_workflow_answers():
    described = plain_status.describe(
        {"phase_progress": {"Sample Selection": "not_started", "Scoping": "in_progress"}, "awaiting_action": None},
        started=True,
    )
    assert described["phases"] == [("Scoping", "in_progress", "In progress"), ("Sample Selection", "not_started", "Not started")]
    assert described["awaiting"] == "Nothing from anyone right now: the workflow is working."


def test_the_page_signature_matches_what_the_poller_computes_from_the_status_json(awaiting_approval):
    """static/js/report_status.js refetches the page only when its signature
    of the status JSON differs from the page's: they must agree while
    nothing changes, or it would refetch every few seconds."""
    from .clients import session_api

    cr, task = awaiting_approval
    html = browser(cr.tester).get(url(cr)).content.decode()
    rendered = re.search(r'data-signature="([^"]*)"', html).group(1)
    st = session_api(cr.tester).get(f"/api/cycles/{cr.cycle_id}/reports/{cr.report_id}/status").json()
    # The same expression as signatureOf() in the script.
    polled = "|".join([
        st["current_phase"] or "", st["awaiting_action"] or "", st["assignee"] or "", "1" if st["escalated"] else "0",
        "".join(f"{v};" for v in st["phase_progress"].values()),
    ])
    assert rendered == polled
    # Scoping in progress, each later phase not started.
    assert polled.startswith("Scoping|report_owner_approval|oowner|0|in_progress;not_started;")
    assert polled.count(";") == len(st["phase_progress"]) >= 2
