"""Issue 9, item 5: bad input found by probing. Each case answered 500 or
did the wrong thing before; each now gets a clear 4xx and writes nothing."""
import uuid

import pytest
from django.core import mail
from django.test import Client
from rest_framework.test import APIClient

from cycles import roles
from cycles import workflow_types as t
from cycles.human_steps import ApprovalSubmission
from scoping import workflow_steps as s
from reviews.models import AuditEvent, HumanTask, InboundSubmission, Reassignment
from scoping.models import OwnerDecision, ScopingSubmission

from . import helpers, rows
from .clients import browser as login
from .factories import CycleReportFactory, ReportFactory, UserFactory, scoped_report
from .test_accept_or_refuse import _refusal, _review, awaiting_review  # noqa: F401  (fixture)
from .test_api import api, decisions, url

INVISIBLE = ["   ", "\u200b", "\u200b\u2060\ufeff", " \t\n\u3000", "\u00ad", "\u2800\u3164"]


# --- Query parameters: 400 or ignored, never a 500 --------------------------

@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    ["cycle=%C2%B2", "cycle=12345678901234567890", "cycle=-1", "cycle=1e3", "kind=nonsense",
     "assignee=" + "x" * 151, "overdue=maybe"],
)
def test_manager_filters_ignore_bad_values_and_say_so(query):
    """A bad value is ignored (as the manager's page always did) and named on
    the page; it never reaches the database, where it answered 500."""
    cr = CycleReportFactory()
    task = rows.task(cr, s.TESTER_REVIEW, assignee=cr.tester)
    manager = login(UserFactory(role=roles.TEST_MANAGER))
    page = manager.get(f"/tasks/all/?{query}")
    assert page.status_code == 200, page.status_code
    name = query.split("=")[0].encode()
    assert b"Ignored (invalid): " + name in page.content
    assert f'data-task="{task.pk}"'.encode() in page.content


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["assignee=%00", "assignee=a%00b", "cycle=1%00", "kind=%00&cycle=1", "x%00=1"])
def test_null_characters_in_the_manager_filters_are_a_400(query):
    cr = CycleReportFactory()
    rows.task(cr, s.TESTER_REVIEW, assignee=cr.tester)
    manager = login(UserFactory(role=roles.TEST_MANAGER))
    page = manager.get(f"/tasks/all/?{query}")
    assert page.status_code == 400 and b"Refused: null characters" in page.content
    assert b'data-task="' not in page.content


@pytest.mark.django_db
def test_manager_filters_still_filter_with_good_values():
    cr = CycleReportFactory()
    task = rows.task(cr, s.TESTER_REVIEW, assignee=cr.tester)
    other = rows.task(CycleReportFactory(), s.TESTER_REVIEW, assignee=UserFactory())
    manager = login(UserFactory(role=roles.TEST_MANAGER))
    page = manager.get(f"/tasks/all/?cycle={cr.cycle_id}&kind=tester_review&assignee={cr.tester.username}")
    assert page.status_code == 200
    assert f'data-task="{task.pk}"'.encode() in page.content and f'data-task="{other.pk}"'.encode() not in page.content


# --- Invisible text is no text ------------------------------------------------

@pytest.mark.temporal
@pytest.mark.parametrize("blank", INVISIBLE)
def test_an_override_with_an_invisible_rationale_is_refused_everywhere(awaiting_review, temporal, blank):
    cr = awaiting_review
    from scoping.models import Recommendation

    rec = Recommendation.objects.filter(cycle_report=cr, attribute__is_primary_key=False).first()
    flipped = {rec.attribute_id: (not rec.include, blank)}
    answer = api(cr.tester).post(url(cr, "tester-review"), decisions(cr, flipped), format="json")
    assert answer.status_code == 400, answer.content
    assert "rationale is required" in " ".join(answer.json()["decisions"][str(rec.attribute_id)])
    form = login(cr.tester).post(
        f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/review/",
        helpers.review_form_data(cr, {rec.attribute_id: (not rec.include, blank)}, token=uuid.uuid4().hex),
    )
    assert form.status_code == 400 and b"rationale is required" in form.content
    # The workflow's own validator, past every Django check.
    payload = {"decisions": [
        {"attribute_id": d["attribute_id"], "include": d["include"], "rationale": d["rationale"]}
        for d in decisions(cr, flipped)["decisions"]
    ]}
    refusal = _refusal(temporal, cr, "submit_tester_review", _review(cr, cr.tester.username, payload=payload))
    assert refusal.type == t.ERR_INVALID and "rationale is required" in refusal.message
    assert not ScopingSubmission.objects.exists()


@pytest.mark.temporal
def test_sending_back_with_invisible_comments_is_refused(awaiting_review, temporal):
    cr = awaiting_review
    assert api(cr.tester).post(url(cr, "tester-review"), decisions(cr), format="json").status_code == 200
    helpers.wait_for_awaiting(temporal, cr, s.REPORT_OWNER_APPROVAL)
    owner = api(cr.report_owner)
    for blank in INVISIBLE:
        answer = owner.post(url(cr, "report-owner-approval"), {"approved": False, "comments": blank}, format="json")
        assert answer.status_code == 400 and "comments" in answer.json(), (blank, answer.content)
        form = login(cr.report_owner).post(
            f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/approval/",
            {"submission_token": uuid.uuid4().hex, "decision": "request_changes", "comments": blank},
        )
        assert form.status_code == 400 and b"Comments are required" in form.content
        message = ApprovalSubmission(
            submission_id=f"wf-{uuid.uuid4()}", submitted_by=cr.report_owner.username,
            on_behalf_of=cr.report_owner.username, approved=False, comments=blank,
        )
        refusal = _refusal(temporal, cr, "submit_report_owner_approval", message)
        assert refusal.type == t.ERR_INVALID
    assert not OwnerDecision.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("blank", INVISIBLE)
def test_a_reassignment_reason_made_of_invisible_characters_is_refused(blank):
    cr = CycleReportFactory()
    task = rows.task(cr, s.TESTER_REVIEW, assignee=cr.tester)
    UserFactory(username="tester-b", role=roles.TESTER)
    manager = APIClient()
    manager.force_login(cr.cycle.test_manager)
    answer = manager.post(f"/api/tasks/{task.pk}/reassign", {"to": "tester-b", "reason": blank}, format="json")
    assert answer.status_code == 400 and "reason" in str(answer.json()).lower()
    assert not Reassignment.objects.exists()


# --- Strict API types ---------------------------------------------------------

@pytest.mark.temporal
@pytest.mark.parametrize("approved", ["yes", "true", "1", 1, 0, "on", None, [], {}])
def test_approval_booleans_are_strict(awaiting_review, temporal, approved):
    cr = awaiting_review
    assert api(cr.tester).post(url(cr, "tester-review"), decisions(cr), format="json").status_code == 200
    helpers.wait_for_awaiting(temporal, cr, s.REPORT_OWNER_APPROVAL)
    answer = api(cr.report_owner).post(url(cr, "report-owner-approval"), {"approved": approved, "comments": "x"}, format="json")
    assert answer.status_code == 400 and "approved" in answer.json(), answer.content
    assert not OwnerDecision.objects.exists()
    assert helpers.query(temporal, cr)["awaiting_action"] == s.REPORT_OWNER_APPROVAL


@pytest.mark.temporal
@pytest.mark.parametrize("field, value", [
    ("include", "yes"), ("include", "true"), ("include", 1), ("include", None),
    ("attribute_id", "ID"), ("attribute_id", 1.0), ("attribute_id", True),
])
def test_review_ids_and_booleans_are_strict(awaiting_review, field, value):
    cr = awaiting_review
    body = decisions(cr)
    first = body["decisions"][0]
    first[field] = str(first["attribute_id"]) if value == "ID" else value
    answer = api(cr.tester).post(url(cr, "tester-review"), body, format="json")
    assert answer.status_code == 400, answer.content
    assert not ScopingSubmission.objects.exists() and not InboundSubmission.objects.exists()


# --- E-mail subjects ------------------------------------------------------------

@pytest.mark.temporal
def test_a_line_break_in_a_name_does_not_stop_the_e_mails(temporal):
    report = ReportFactory(name="Loans\r\nBcc: attacker@evil.example")
    cr = scoped_report(attributes=2, report=report, report_owner=report.owner)
    cr.cycle.name = "Q3\ncycle"
    cr.cycle.save()
    mail.outbox.clear()
    assert api(cr.tester).post(url(cr, "start")).status_code == 201
    helpers.wait_for_task(cr, s.TESTER_REVIEW)
    sent = helpers.wait_until(lambda: [m for m in mail.outbox if cr.tester.email in m.to], message="the task e-mail")
    subject = sent[0].subject
    assert "\r" not in subject and "\n" not in subject
    assert "Loans Bcc: attacker@evil.example" in subject
    assert sent[0].to == [cr.tester.email] and not sent[0].bcc


# --- A stranger's POST to a page: the GET's 404, nothing recorded ---------------

@pytest.mark.django_db
@pytest.mark.parametrize("page", ["review", "approval"])
def test_a_stranger_posting_to_a_form_gets_404_and_leaves_no_trace(page):
    cr = scoped_report(attributes=2)
    rows.recommendations(cr)
    kind = s.TESTER_REVIEW if page == "review" else s.REPORT_OWNER_APPROVAL
    if page == "approval":
        rows.submission(cr, submitted_by=cr.tester)
    rows.task(cr, kind, assignee=cr.tester if page == "review" else cr.report_owner)
    stranger = login(UserFactory(role=roles.TESTER if page == "review" else roles.REPORT_OWNER))
    path = f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/{page}/"
    before = AuditEvent.objects.count()
    got = stranger.get(path)
    posted = stranger.post(path, {"submission_token": "t", "decision": "approve", "accept_all": "1"})
    missing = stranger.post(f"/cycles/{cr.cycle_id}/reports/999999/{page}/", {"submission_token": "t"})
    assert got.status_code == posted.status_code == missing.status_code == 404
    assert AuditEvent.objects.count() == before
    assert not InboundSubmission.objects.exists()


# --- NUL bytes ---------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("body", [{"to": "tester\x00b", "reason": "leave"}, {"to": "tester-b", "reason": "on\x00leave"}])
def test_nul_bytes_in_the_reassign_api_are_a_400(body):
    cr = CycleReportFactory()
    task = rows.task(cr, s.TESTER_REVIEW, assignee=cr.tester)
    UserFactory(username="tester-b", role=roles.TESTER)
    manager = APIClient()
    manager.force_login(cr.cycle.test_manager)
    answer = manager.post(f"/api/tasks/{task.pk}/reassign", body, format="json")
    assert answer.status_code == 400 and "Null characters" in str(answer.json())
    assert HumanTask.objects.get(pk=task.pk).assignee == cr.tester


@pytest.mark.django_db
def test_nul_bytes_in_the_admin_reassign_action_are_a_form_error():
    cr = CycleReportFactory()
    task = rows.task(cr, s.TESTER_REVIEW, assignee=cr.tester)
    manager = cr.cycle.test_manager
    manager.is_staff = True
    manager.save()
    client = Client()
    client.force_login(manager)
    answer = client.post("/admin/reviews/humantask/", {
        "action": "reassign_tasks", "_selected_action": [task.pk], "apply": "1", "to": "tester\x00b", "reason": "x\x00y",
    })
    assert answer.status_code == 200
    assert b"Null characters are not allowed" in answer.content or b"Select a valid choice" in answer.content
    assert not Reassignment.objects.exists()
