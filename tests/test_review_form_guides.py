"""Issue 13, part 3: the review form guides. A refused POST never reaches the
workflow (the form refuses it first), so no Temporal is needed here; the
same form in Chromium, with the browser's own checks and the confirmation
dialogs: tests/test_browser_issue_13.py. The field names and the POST
contract are unchanged (tests/helpers.review_form_data still posts it)."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from cycles import roles
from reviews.models import Delegation, HumanTask
from scoping import workflow_steps as s
from scoping.models import ScopingSubmission

from . import helpers, rows
from .clients import browser
from .factories import UserFactory, scoped_report


def review_url(cr) -> str:
    return f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/review/"


def required(tag: str) -> bool:
    """The attribute, not the word in the placeholder."""
    return re.search(r'\srequired(\s|>|=)', tag) is not None


def textarea(html: str, attribute_id: int) -> str | None:
    m = re.search(rf'<textarea[^>]*name="rationale_{attribute_id}"[^>]*>', html)
    return m.group(0) if m else None


@pytest.fixture
def review(db):
    cr = scoped_report(attributes=6)
    recs = rows.recommendations(cr)
    task = rows.task(cr, s.TESTER_REVIEW, cr.tester)
    return cr, recs, task


def test_a_refused_submit_lists_the_problems_with_links_to_their_rows(review):
    cr, recs, task = review
    flips = [r for r in recs if not r.attribute.is_primary_key][:2]
    data = helpers.review_form_data(cr, {r.attribute_id: (not r.include, "   ") for r in flips})
    page = browser(cr.tester).post(review_url(cr), data)
    assert page.status_code == 400
    html = page.content.decode()
    summary = re.search(r'<div class="error-summary card" id="error-summary"[^>]*>(.*?)</div>', html, re.S).group(1)
    assert "2 problems to fix" in summary
    for r in flips:
        assert f'<a href="#row-{r.attribute_id}">{r.attribute.name}: a rationale is required when overriding' in summary
        assert re.search(rf'<tr class="has-error" [^>]*id="row-{r.attribute_id}"', html)
        # The browser knows these two need a rationale; the others do not.
        assert required(textarea(html, r.attribute_id))
    others = [r for r in recs if r not in flips and not r.attribute.is_primary_key]
    assert others and not any(required(textarea(html, r.attribute_id)) for r in others)
    assert not ScopingSubmission.objects.exists()


def test_rationales_are_multi_line_and_absent_on_locked_primary_keys(review):
    cr, recs, task = review
    html = browser(cr.tester).get(review_url(cr)).content.decode()
    for r in recs:
        box = textarea(html, r.attribute_id)
        if r.attribute.is_primary_key:
            assert box is None
        else:
            assert 'rows="3"' in box
    assert "error-summary" not in html


def test_accept_all_asks_and_stands_apart_from_reset_which_warns_in_round_2(review):
    cr, recs, task = review
    html = browser(cr.tester).get(review_url(cr)).content.decode()
    accept = re.search(r'<button[^>]*name="accept_all"[^>]*>', html).group(0)
    assert "formnovalidate" in accept and "data-confirm=" in accept
    toolbar = re.search(r'<div class="toolbar">(.*?)</div>', html, re.S).group(1)
    assert "Reset to recommendations" in toolbar and "accept_all" not in toolbar
    assert "reset-warning" not in html  # round 1: nothing earlier to lose

    # Round 2: reset would throw away version 1's overrides; it says so.
    sub = rows.submission(cr, cr.tester)
    rows.owner_decision(sub, cr.report_owner)
    HumanTask.objects.filter(pk=task.pk).update(state=HumanTask.State.COMPLETED)
    rows.task(cr, s.TESTER_REVIEW, cr.tester, round_no=2)
    html = browser(cr.tester).get(review_url(cr)).content.decode()
    reset = re.search(r'<button type="button" id="reset-to-recommendations"[^>]*>', html).group(0)
    assert "throws away the choices of your version 1" in reset
    assert "In round 2 this also throws away your version 1 overrides." in html


def test_overdue_escalated_and_acting_for_with_the_delegation_end(review):
    cr, recs, task = review
    HumanTask.objects.filter(pk=task.pk).update(
        due_at=timezone.now() - timedelta(hours=1), opened_at=timezone.now() - timedelta(days=2)
    )
    html = browser(cr.tester).get(review_url(cr)).content.decode()
    assert 'id="task-overdue"' in html and "Overdue: this was due" in html
    HumanTask.objects.filter(pk=task.pk).update(state=HumanTask.State.ESCALATED, escalated_at=timezone.now())
    html = browser(cr.tester).get(review_url(cr)).content.decode()
    assert 'id="task-escalated"' in html and "the test manager has been told" in html
    assert "acting-for" not in html  # the holder acts for themselves

    stand_in = UserFactory(username="tester2", role=roles.TESTER)
    ends = timezone.now() + timedelta(days=5)
    Delegation.objects.create(delegator=cr.tester, delegate=stand_in, starts_at=timezone.now() - timedelta(days=1),
                              ends_at=ends, reason="leave", created_by=cr.tester)
    html = browser(stand_in).get(review_url(cr)).content.decode()
    last = timezone.localtime(ends - timedelta(microseconds=1)).date()
    assert f"Acting for <strong>{cr.tester.username}</strong> (delegation until {last.day} {last:%b})" in html


@pytest.mark.django_db
def test_the_other_steps_pages_say_it_too():
    """The owner's approval and the sample pages share the notices."""
    cr = scoped_report(attributes=3)
    rows.recommendations(cr)
    rows.submission(cr, cr.tester)
    rows.task(cr, s.REPORT_OWNER_APPROVAL, cr.report_owner, overdue=True)
    stand_in = UserFactory(username="owner2", role=roles.REPORT_OWNER)
    Delegation.objects.create(delegator=cr.report_owner, delegate=stand_in, starts_at=timezone.now() - timedelta(days=1),
                              ends_at=timezone.now() + timedelta(days=2), reason="leave", created_by=cr.report_owner)
    html = browser(stand_in).get(f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/approval/").content.decode()
    assert f"Acting for <strong>{cr.report_owner.username}</strong> (delegation until" in html
    assert 'id="task-overdue"' in html
    other = scoped_report(attributes=2)
    task = rows.task(other, "sample_selection", other.tester)
    HumanTask.objects.filter(pk=task.pk).update(state=HumanTask.State.ESCALATED, escalated_at=timezone.now())
    page = browser(other.tester).get(f"/cycles/{other.cycle_id}/reports/{other.report_id}/sample/")
    assert page.status_code == 200 and 'id="task-escalated"' in page.content.decode()


@pytest.mark.django_db
def test_the_evidence_request_says_it_too():
    """Evidence's pages share the notices (issue 13, part 3, on the phase
    issue 14 added)."""
    provider = UserFactory(username="provider1", role=roles.DATA_PROVIDER)
    cr = scoped_report(attributes=2, data_provider=provider)
    task = rows.task(cr, "evidence_submission", provider)
    HumanTask.objects.filter(pk=task.pk).update(state=HumanTask.State.ESCALATED, escalated_at=timezone.now())
    stand_in = UserFactory(username="provider2", role=roles.DATA_PROVIDER)
    Delegation.objects.create(delegator=provider, delegate=stand_in, starts_at=timezone.now() - timedelta(days=1),
                              ends_at=timezone.now() + timedelta(days=2), reason="leave", created_by=provider)
    page = browser(stand_in).get(f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/evidence/")
    html = page.content.decode()
    assert page.status_code == 200, html[:500]
    assert 'id="task-escalated"' in html
    assert f"Acting for <strong>{provider.username}</strong> (delegation until" in html
