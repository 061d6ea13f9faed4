"""Issue 4's "done when": a real workflow with second-scale durations, a real
Celery worker on Redis sending the e-mails. Reminders, escalation at the due
date, reminders after it, a reassignment through the admin action, the old
assignee refused and the new one accepted, every notification, and the audit
timeline in order. Then the timing itself: the reminders' cadence, the
escalation's moment, and silence once a step is closed."""
import json
import re
from datetime import timedelta

import pytest
from django.core import mail

from cycles import roles
from cycles import workflow_types as t
from reviews.models import AuditEvent, HumanTask, Reassignment
from scoping.models import Recommendation

from .clients import browser, session_api as api
from . import helpers
from .factories import UserFactory, scoped_report
from .temporal_harness import wait_until

pytestmark = pytest.mark.temporal

SITE = "https://regtest.bank.example"




def mails(to=None, subject=""):
    return [m for m in list(mail.outbox) if (to is None or to.email in m.to) and subject in m.subject]


def events(cr, *names):
    qs = AuditEvent.objects.filter(cycle_report=cr).order_by("at", "id")
    return list(qs.filter(event__in=names) if names else qs)


def is_subsequence(expected, actual) -> bool:
    it = iter(actual)
    return all(any(a == e for a in it) for e in expected)


def decisions(cr, flip_one=False):
    out, flipped = [], False
    for rec in Recommendation.objects.filter(cycle_report=cr).select_related("attribute"):
        include, rationale = rec.include, ""
        if flip_one and not flipped and not rec.attribute.is_primary_key:
            include, rationale, flipped = not rec.include, "Covered by a reconciliation control", True
        out.append({"attribute_id": rec.attribute_id, "include": include, "rationale": rationale})
    return {"decisions": out}


def test_reminders_escalation_admin_reassignment_and_timeline(temporal, celery_redis_worker, settings):
    settings.SITE_URL = SITE
    # No reminder limit here (0): the reminders must go on past the
    # escalation and follow the reassignment (the limit has its own test).
    cr = scoped_report(attributes=4, cycle__task_due_amount=4, cycle__task_due_unit="seconds", cycle__reminder_amount=1,
                       cycle__reminder_unit="seconds", cycle__max_reminders=0)
    tester, owner, manager = cr.tester, cr.report_owner, cr.cycle.test_manager
    manager.is_staff = True
    manager.save()
    tester2 = UserFactory(username="tester2", role=roles.TESTER)
    form_path = f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/review/"
    report_path = f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/"

    assert helpers.start(api(tester), cr).status_code == 201
    task = helpers.wait_for_task(cr, "tester_review")
    helpers.wait_for_awaiting(temporal, cr, "tester_review")
    assert (task.due_at - task.opened_at).total_seconds() == 4

    # Assigned, then reminded every second, each e-mail linking to the form.
    assigned = wait_until(lambda: mails(tester, "New task"), timeout=20, message="the assignment e-mail")
    assert SITE + form_path in assigned[0].body
    reminders = wait_until(lambda: len(mails(tester, "Reminder")) >= 2 and mails(tester, "Reminder"),
                           timeout=20, message="two reminders")
    assert all(SITE + form_path in m.body for m in reminders)

    # At the due date: escalated, the manager told, an audit event; reminders go on.
    wait_until(lambda: HumanTask.objects.get(pk=task.pk).state == "escalated", timeout=20, message="escalation")
    task.refresh_from_db()
    assert task.due_at <= task.escalated_at <= task.due_at + timedelta(seconds=5)
    escalation = wait_until(lambda: mails(manager, "Escalation"), timeout=20, message="the manager's escalation e-mail")
    assert SITE + form_path in escalation[0].body and tester.username in escalation[0].body
    assert len(events(cr, "escalated")) == 1
    assert helpers.query(temporal, cr)["escalated"] is True
    escalated_event = events(cr, "escalated")[0]
    wait_until(lambda: AuditEvent.objects.filter(cycle_report=cr, event="reminder_sent", id__gt=escalated_event.id).exists(),
               timeout=20, message="a reminder after the escalation")
    after = len(mails(tester, "Reminder"))
    wait_until(lambda: len(mails(tester, "Reminder")) > after, timeout=20, message="a reminder e-mail after the escalation")

    # The test manager reassigns through the Django admin action.
    admin = browser(manager)
    changelist = "/admin/reviews/humantask/"
    listing = admin.get(changelist)
    assert listing.status_code == 200 and "reassign_tasks" in listing.content.decode()
    form = admin.post(changelist, {"action": "reassign_tasks", "_selected_action": [task.pk]})
    assert form.status_code == 200 and 'name="apply"' in form.content.decode()
    refused = admin.post(changelist, {"action": "reassign_tasks", "_selected_action": [task.pk],
                                      "to": "tester2", "reason": "", "apply": "Reassign"})
    assert refused.status_code == 200 and "This field is required" in refused.content.decode()
    assert not Reassignment.objects.exists()
    done = admin.post(changelist, {"action": "reassign_tasks", "_selected_action": [task.pk],
                                   "to": "tester2", "reason": "Tess is on leave", "apply": "Reassign"}, follow=True)
    assert done.status_code == 200 and "Reassigned 1 task(s) to tester2" in done.content.decode()
    task.refresh_from_db()
    assert (task.assignee, task.original_assignee, task.state) == (tester2, tester, "escalated")
    awaited = wait_until(lambda: (a := helpers.query(temporal, cr, "get_awaiting_action")) and a["assignee"] == "tester2" and a,
                         message="the workflow to name tester2")
    assert awaited["assignee"] == HumanTask.objects.get(pk=task.pk).assignee.username
    assert awaited["action"] == "tester_review" and awaited["task_id"] == task.pk
    assert api(tester2).get(f"/api/cycles/{cr.cycle_id}/reports/{cr.report_id}/status").json()["assignee"] == "tester2"
    told = wait_until(lambda: mails(tester2, "reassigned"), timeout=20, message="the new assignee's e-mail")
    assert SITE + form_path in told[0].body and "Tess is on leave" in told[0].body
    wait_until(lambda: mails(tester2, "Reminder"), timeout=20, message="reminders now going to tester2")

    # The old assignee is refused on the API and on the form; the new one succeeds.
    api_url = f"/api/cycles/{cr.cycle_id}/reports/{cr.report_id}/tester-review"
    old = api(tester).post(api_url, decisions(cr, flip_one=True), format="json")
    assert old.status_code == 403 and "tester2" in old.json()["detail"]
    old_browser = browser(tester)
    assert old_browser.get(form_path).status_code == 403
    assert old_browser.post(form_path, helpers.review_form_data(cr, token="old")).status_code == 403
    assert len(events(cr, "submission_refused")) == 2
    new = api(tester2).post(api_url, decisions(cr, flip_one=True), format="json", HTTP_IDEMPOTENCY_KEY="r1")
    assert new.status_code == 200 and new.json()["accepted"] is True, new.content
    task.refresh_from_db()
    assert (task.state, task.completed_by, task.on_behalf_of) == ("completed", tester2, tester2)

    # The owner sends it back, the new assignee keeps round two, the owner approves.
    owner_url = f"/api/cycles/{cr.cycle_id}/reports/{cr.report_id}/report-owner-approval"
    helpers.wait_for_awaiting(temporal, cr, "report_owner_approval")
    back = api(owner).post(owner_url, {"approved": False, "comments": "Keep the rate in scope"}, format="json")
    assert back.status_code == 200, back.content
    sent_back = wait_until(lambda: mails(tester2, "Changes requested"), timeout=20, message="the sent-back e-mail")
    assert SITE + report_path in sent_back[0].body and "Keep the rate in scope" in sent_back[0].body
    round2 = helpers.wait_for_task(cr, "tester_review", round_no=2)
    assert round2.assignee == tester2
    helpers.wait_for_awaiting(temporal, cr, "tester_review")
    again = api(tester2).post(api_url, decisions(cr), format="json")
    assert again.status_code == 200, again.content
    helpers.wait_for_awaiting(temporal, cr, "report_owner_approval")
    assert api(owner).post(owner_url, {"approved": True}, format="json").status_code == 200
    outcome = helpers.scoping_outcome(temporal, cr)
    assert (outcome["versions"], outcome["approved_version"]) == (2, 2)
    approved = wait_until(lambda: mails(tester2, "Approved"), timeout=20, message="the approval e-mail")
    assert SITE + report_path in approved[0].body

    # Every notification kind was sent, each with a link into the site.
    subjects = [m.subject for m in mail.outbox]
    for kind in ("New task", "Reminder", "Escalation", "Changes requested", "Approved"):
        assert any(kind in s for s in subjects), (kind, subjects)
    assert all(SITE + "/cycles/" in m.body for m in mail.outbox)

    # The audit timeline on the report page: every event, in order.
    page = browser(manager).get(report_path)
    assert page.status_code == 200
    shown = re.findall(r'<li class="event-([a-z_]+)"(?: data-count="(\d+)")?>', page.content.decode())
    recorded = [e.event for e in events(cr)]
    # Reminders in a row for one task are one line with their count.
    assert [event for event, count in shown for _ in range(int(count or 1))] == recorded
    expected = [
        "workflow_started", "phase_started", "recommendations_generated", "task_opened",
        "reminder_sent", "escalated", "reminder_sent", "reassigned", "submission_refused", "submission_refused",
        "submission_accepted", "task_opened", "changes_requested", "task_opened", "submission_accepted",
        "task_opened", "approved", "phase_completed", "notice_sent",
        # The next phase opens its first step.
        "phase_started", "task_opened",
    ]
    assert is_subsequence(expected, recorded), recorded
    assert recorded[-3:] == ["notice_sent", "phase_started", "task_opened"]  # Scoping's end, then Sample Selection
    reassigned = events(cr, "reassigned")[0]
    assert (reassigned.actor, reassigned.on_behalf_of) == (manager, tester2)
    assert all(e.workflow_id == cr.expected_workflow_id for e in events(cr))
    accepted = events(cr, "submission_accepted")[0]
    assert accepted.actor == tester2 and len(accepted.payload_hash) == 64


# --- timing --------------------------------------------------------------------

INTERVAL = 2  # seconds between reminders
DUE = 3  # seconds until due: between the first and second reminders
# How late a reminder may be on a loaded machine (about 0.5 s measured on an
# idle one); below INTERVAL, so a late reminder cannot pass for the next one.
SLACK = 1.75


def _reminder_tasks_scheduled(temporal, cr) -> list[int]:
    """The task id of every reminder activity the workflow scheduled: the
    workflow's own account, which the database's guard against reminding a
    closed task cannot mask."""
    handle = temporal.env.client.get_workflow_handle(cr.expected_workflow_id)
    history = temporal.run(handle.fetch_history())
    return [
        json.loads(e.activity_task_scheduled_event_attributes.input.payloads[0].data)["task_id"]
        for e in history.events
        if e.activity_task_scheduled_event_attributes.activity_type.name == "send_task_reminder_activity"
    ]


def test_reminder_cadence_escalation_window_and_no_reminder_after_the_step(temporal):
    cr = scoped_report(attributes=4, cycle__task_due_amount=DUE, cycle__task_due_unit="seconds", cycle__reminder_amount=INTERVAL, cycle__reminder_unit="seconds")
    tester, owner = cr.tester, cr.report_owner
    assert helpers.start(api(tester), cr).status_code == 201
    review = helpers.wait_for_task(cr, "tester_review")
    helpers.wait_for_awaiting(temporal, cr, "tester_review")

    # Three reminders (about 3 x INTERVAL) and the escalation in between.
    wait_until(lambda: HumanTask.objects.get(pk=review.pk).reminders_sent >= 3, timeout=3 * INTERVAL + 15,
               interval=0.2, message="three reminders")
    review.refresh_from_db()
    at = [e.at for e in events(cr, "reminder_sent")]  # only the review is open so far
    assert len(at) == review.reminders_sent
    # Reminder k comes k intervals after the task opened, a little later at most.
    for k, when in enumerate(at, start=1):
        lag = (when - review.opened_at).total_seconds() - k * INTERVAL
        assert -0.05 <= lag <= SLACK, (k, lag, at)
    gaps = [(b - a).total_seconds() for a, b in zip(at, at[1:])]
    assert all(INTERVAL - SLACK <= g <= INTERVAL + SLACK for g in gaps), gaps

    # Escalated once, between the due date and a few seconds after it.
    assert review.state == "escalated" and review.due_at == review.opened_at + timedelta(seconds=DUE)
    late = (review.escalated_at - review.due_at).total_seconds()
    assert 0 <= late <= 3, late
    assert len(events(cr, "escalated")) == 1
    assert at[0] < review.escalated_at < at[1]  # in its place in the cadence

    # The review is submitted: its step closes, and its reminders stop.
    api_url = f"/api/cycles/{cr.cycle_id}/reports/{cr.report_id}/tester-review"
    assert api(tester).post(api_url, decisions(cr), format="json").status_code == 200
    review.refresh_from_db()
    closed_with = review.reminders_sent
    assert review.state == "completed"
    approval = helpers.wait_for_task(cr, "report_owner_approval")
    # Nothing to observe is no proof: wait instead until the approval has been
    # reminded twice, by which time the review's next reminders (every
    # INTERVAL) would have come had its timer survived the step.
    wait_until(lambda: HumanTask.objects.get(pk=approval.pk).reminders_sent >= 2, timeout=2 * INTERVAL + 15,
               interval=0.2, message="two reminders of the approval")
    # None scheduled after the step closed, and none written or mailed.
    assert _reminder_tasks_scheduled(temporal, cr).count(review.pk) == closed_with
    review.refresh_from_db()
    assert review.reminders_sent == closed_with
    after = AuditEvent.objects.filter(cycle_report=cr, event="reminder_sent", at__gt=review.completed_at)
    assert after.count() == HumanTask.objects.get(pk=approval.pk).reminders_sent  # only the approval's
    wait_until(lambda: len(mails(tester, "Reminder")) == closed_with, timeout=10, message="one e-mail per reminder")

    # The approval ends Scoping; no reminder of it follows either.
    owner_url = f"/api/cycles/{cr.cycle_id}/reports/{cr.report_id}/report-owner-approval"
    assert api(owner).post(owner_url, {"approved": True}, format="json").status_code == 200
    helpers.scoping_outcome(temporal, cr)
    approval.refresh_from_db()
    reminded = _reminder_tasks_scheduled(temporal, cr)
    assert reminded.count(approval.pk) == approval.reminders_sent >= 2
    assert reminded.count(review.pk) == closed_with


def test_after_the_last_reminder_only_the_escalation_continues(temporal):
    """Issue 13, part 1: reminders are capped (per cycle, or
    HUMAN_TASK_MAX_REMINDERS); the escalation at the due date still comes,
    and then the workflow waits for the person without reminding them."""
    cr = scoped_report(
        attributes=3, cycle__task_due_amount=4, cycle__task_due_unit="seconds",
        cycle__reminder_amount=1, cycle__reminder_unit="seconds", cycle__max_reminders=2,
    )
    assert helpers.start(api(cr.tester), cr).status_code == 201
    review = helpers.wait_for_task(cr, "tester_review")
    escalated = wait_until(lambda: HumanTask.objects.filter(pk=review.pk, state="escalated").first(), timeout=20,
                           interval=0.2, message="the escalation at the due date")
    # By the due date (4 s) a reminder every second would have sent three or
    # four; the cap stopped at two, the escalation came on its own.
    assert escalated.reminders_sent == 2
    assert [e.event for e in events(cr) if e.event in ("reminder_sent", "escalated")] == [
        "reminder_sent", "reminder_sent", "escalated"
    ]
    # Nothing is left to time: the workflow schedules no timer while it waits.
    handle = temporal.env.client.get_workflow_handle(cr.expected_workflow_id)

    def waits_without_a_timer():
        history = temporal.run(handle.fetch_history())
        started = [e.event_id for e in history.events if e.HasField("timer_started_event_attributes")]
        fired = [e.timer_fired_event_attributes.started_event_id for e in history.events if e.HasField("timer_fired_event_attributes")]
        return set(started) == set(fired) and history.events[-1].HasField("workflow_task_completed_event_attributes")

    wait_until(waits_without_a_timer, timeout=15, message="the workflow waiting with no timer pending")
    assert _reminder_tasks_scheduled(temporal, cr).count(review.pk) == 2
    assert HumanTask.objects.get(pk=review.pk).reminders_sent == 2
    assert len(mails(cr.tester, "Reminder")) == 2
