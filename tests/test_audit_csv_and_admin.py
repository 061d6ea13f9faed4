"""The audit trail as CSV per cycle (managers and admins; who may fetch it
is in the authorization matrix) and read-only in the Django admin."""
import csv
import io
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from cycles import roles
from reviews.models import AuditEvent

from . import rows
from .factories import UserFactory, scoped_report

# One meaning per column (issue 13, part 6): see the README's "Audit trail CSV".
HEADER = [
    "at_utc", "event", "report", "actor", "acting_for", "task_holder", "delegator", "delegate",
    "workflow_id", "run_id", "payload_sha256", "detail",
]


def as_user(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.mark.django_db
def test_csv_has_the_header_and_only_this_cycles_events_in_time_order():
    cr = scoped_report(attributes=1)
    second = scoped_report(attributes=1, cycle=cr.cycle)  # another report, same cycle
    elsewhere = scoped_report(attributes=1)  # another cycle
    t0 = timezone.now() - timedelta(hours=1)
    # Written out of order: the CSV sorts by time.
    rows.audit_event(cr, detail="third", at=t0 + timedelta(minutes=3), actor=cr.tester)
    rows.audit_event(second, detail="first", at=t0 + timedelta(minutes=1))
    rows.audit_event(elsewhere, detail="other cycle", at=t0 + timedelta(minutes=2))
    rows.audit_event(cr, detail="second", at=t0 + timedelta(minutes=2), event=AuditEvent.Event.TASK_OPENED)

    response = as_user(cr.cycle.test_manager).get(f"/cycles/{cr.cycle_id}/audit.csv")
    assert response["Content-Disposition"] == f'attachment; filename="cycle-{cr.cycle_id}-audit.csv"'
    table = read_csv(response)
    assert table[0] == HEADER
    body = [dict(zip(HEADER, r)) for r in table[1:]]
    assert [r["detail"] for r in body] == ["first", "second", "third"]
    assert [r["report"] for r in body] == [second.report.name, cr.report.name, cr.report.name]
    assert body[1]["event"] == "task_opened"
    # The tester acted for themselves: nobody in "acting_for".
    assert body[2]["actor"] == cr.tester.username and body[2]["acting_for"] == ""
    assert body[1]["task_holder"] == cr.tester.username  # the task opened for the tester
    assert body[2]["workflow_id"] == cr.expected_workflow_id
    assert body == sorted(body, key=lambda r: r["at_utc"])


@pytest.mark.django_db
@pytest.mark.parametrize("manager", ["superuser", "admin_group"])
def test_admins_download_it_too(manager):
    cr = scoped_report(attributes=1)
    rows.audit_event(cr, detail="seen by admins")
    user = UserFactory(is_superuser=True) if manager == "superuser" else UserFactory(role=roles.ADMIN)
    table = read_csv(as_user(user).get(f"/cycles/{cr.cycle_id}/audit.csv"))
    assert [r[-1] for r in table[1:]] == ["seen by admins"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "detail, written",
    [
        ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "'\t=1+1"),
        ("Reminder 1 = sent", "Reminder 1 = sent"),  # only a leading sign is a formula
    ],
)
def test_formula_cells_are_neutralised(detail, written):
    cr = scoped_report(attributes=1)
    rows.audit_event(cr, detail=detail)
    table = read_csv(as_user(cr.cycle.test_manager).get(f"/cycles/{cr.cycle_id}/audit.csv"))
    assert table[1][-1] == written


@pytest.mark.django_db
def test_names_typed_by_people_are_neutralised_too():
    cr = scoped_report(attributes=1)
    cr.report.name = "=cmd|' /C calc'!A0"
    cr.report.save()
    actor = UserFactory(username="@evil")
    rows.audit_event(cr, actor=actor, detail="x")
    table = read_csv(as_user(cr.cycle.test_manager).get(f"/cycles/{cr.cycle_id}/audit.csv"))
    row = dict(zip(HEADER, table[1]))
    assert row["report"] == "'=cmd|' /C calc'!A0"
    assert row["actor"] == "'@evil"


# --- the admin shows the audit trail, and nothing changes it -----------------


@pytest.fixture
def event_and_admin(db):
    cr = scoped_report(attributes=1)
    event = rows.audit_event(cr, detail="original detail")
    return event, as_user(UserFactory(username="audit-root", is_superuser=True, is_staff=True))


def test_admin_lists_and_shows_audit_events(event_and_admin):
    event, admin = event_and_admin
    listing = admin.get("/admin/reviews/auditevent/")
    assert listing.status_code == 200
    page = listing.content.decode()
    assert "original detail" in page
    assert "/admin/reviews/auditevent/add/" not in page  # no "Add" button
    assert 'value="delete_selected"' not in page  # no bulk delete action
    detail = admin.get(f"/admin/reviews/auditevent/{event.pk}/change/")
    assert detail.status_code == 200  # a view-only page
    assert 'name="_save"' not in detail.content.decode()
    assert f"/admin/reviews/auditevent/{event.pk}/delete/" not in detail.content.decode()


@pytest.mark.parametrize(
    "method, path, data",
    [
        ("get", "/admin/reviews/auditevent/add/", None),
        ("post", "/admin/reviews/auditevent/add/", {"event": "approved", "detail": "forged"}),
        ("post", "/admin/reviews/auditevent/{pk}/change/", {"event": "approved", "detail": "changed"}),
        ("get", "/admin/reviews/auditevent/{pk}/delete/", None),
        ("post", "/admin/reviews/auditevent/{pk}/delete/", {"post": "yes"}),
    ],
)
def test_admin_cannot_add_change_or_delete_audit_events(event_and_admin, method, path, data):
    event, admin = event_and_admin
    url = path.format(pk=event.pk)
    response = admin.get(url) if data is None else admin.post(url, data)
    assert response.status_code == 403
    assert list(AuditEvent.objects.values_list("pk", "detail")) == [(event.pk, "original detail")]


def test_admin_bulk_delete_action_is_refused(event_and_admin):
    event, admin = event_and_admin
    response = admin.post(
        "/admin/reviews/auditevent/", {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"}
    )
    # Django answers an unknown action by re-showing the list with a message.
    assert response.status_code in (200, 302)
    assert AuditEvent.objects.filter(pk=event.pk, detail="original detail").exists()
