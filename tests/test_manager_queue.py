"""Issue 13, part 2: the manager's queue of its own (/tasks/all/), in-app
reassignment (one task, or everything a person holds) among eligible people
only, and GET /api/tasks/?scope=all. Rows are written as the activities
would (tests/rows.py); the workflow's side of a reassignment is covered by
tests/test_task_reassign_api.py, through the same service."""
from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from cycles import roles
from reviews.models import HumanTask, Notification, Reassignment, WorkflowMessage
from scoping import workflow_steps as s

from . import rows
from .clients import browser, session_api
from .factories import CycleReportFactory, UserFactory, scoped_report
from .factories import TestCycleFactory as CycleFactory


def shown(response) -> list[int]:
    assert response.status_code == 200, response.content[:300]
    return [int(pk) for pk in re.findall(r'data-task="(\d+)"', response.content.decode())]


@pytest.fixture
def queue(db):
    cycle = CycleFactory()
    olivia = UserFactory(username="oowner", first_name="Olivia", last_name="Owner", role=roles.REPORT_OWNER)
    tess = UserFactory(username="tstone", first_name="Tess", last_name="Stone", role=roles.TESTER)
    call = scoped_report(attributes=3, cycle=cycle, tester=tess, report__name="FFIEC 031 Schedule RC-C", report__owner=olivia)
    loans = scoped_report(attributes=3, cycle=cycle, tester=tess, report__name="FR Y-14Q Corporate Loans", report__owner=olivia)
    rows.recommendations(loans)
    rows.submission(loans, tess)
    review = rows.task(call, s.TESTER_REVIEW, tess, overdue=True)
    approval = rows.task(loans, s.REPORT_OWNER_APPROVAL, olivia)
    HumanTask.objects.filter(pk=review.pk).update(state=HumanTask.State.ESCALATED, escalated_at=timezone.now())
    manager = cycle.test_manager
    return cycle, manager, tess, olivia, review, approval


def test_the_queue_shows_who_holds_what_since_when_with_links(queue):
    cycle, manager, tess, olivia, review, approval = queue
    page = browser(manager).get("/tasks/all/")
    assert shown(page) == [review.pk, approval.pk]  # overdue first
    html = page.content.decode()
    assert "Tess Stone (tstone)" in html and "Olivia Owner (oowner)" in html
    assert "delegated" not in html  # the manager's view is not an inbox
    assert f'href="/cycles/{cycle.pk}/reports/{review.cycle_report.report_id}/"' in html
    assert f'href="/tasks/{review.pk}/reassign/"' in html and f'href="/tasks/{approval.pk}/reassign/"' in html
    assert "Escalated" in html and "overdue</span>" in html
    assert "Review</a>" not in html and "Approve</a>" not in html  # no button that would answer 403


def test_filters_match_partial_names_and_say_when_nothing_matches(queue):
    _, manager, tess, olivia, review, approval = queue
    c = browser(manager)
    assert shown(c.get("/tasks/all/?assignee=olivia")) == [approval.pk]
    assert shown(c.get("/tasks/all/?assignee=STONE")) == [review.pk]
    assert shown(c.get("/tasks/all/?assignee=tst")) == [review.pk]
    assert shown(c.get("/tasks/all/?assignee=tess stone")) == [review.pk]
    assert shown(c.get("/tasks/all/?report=rc-c")) == [review.pk]
    assert shown(c.get("/tasks/all/?report=y-14q&assignee=oliv")) == [approval.pk]
    empty = c.get("/tasks/all/?assignee=nobody-like-this")
    assert shown(empty) == []
    assert "No open task matches these filters." in empty.content.decode()
    assert "Nothing awaits you" not in empty.content.decode()


def test_api_scope_all_is_the_managers_and_the_default_keeps_its_meaning(queue):
    _, manager, tess, olivia, review, approval = queue
    everything = session_api(manager).get("/api/tasks/?scope=all")
    assert everything.status_code == 200
    assert sorted(t["id"] for t in everything.json()) == sorted([review.pk, approval.pk])
    assert session_api(manager).get("/api/tasks/").json() == []  # the manager holds nothing
    assert [t["id"] for t in session_api(tess).get("/api/tasks/").json()] == [review.pk]
    for someone in (tess, olivia, UserFactory(role=roles.DATA_PROVIDER)):
        refused = session_api(someone).get("/api/tasks/?scope=all")
        assert refused.status_code == 403 and "test managers" in refused.json()["detail"]
    bad = session_api(manager).get("/api/tasks/?scope=everything")
    assert bad.status_code == 400 and "scope" in bad.json()["detail"]
    assert session_api(UserFactory(role=roles.ADMIN)).get("/api/tasks/?scope=all").status_code == 200


def test_reassign_one_task_in_the_app_among_eligible_people_only(queue):
    _, manager, tess, olivia, review, approval = queue
    other_owner = UserFactory(username="owner2", first_name="Omar", last_name="Other", role=roles.REPORT_OWNER)
    UserFactory(username="gone", role=roles.REPORT_OWNER, is_active=False)
    UserFactory(username="just-a-tester", role=roles.TESTER)
    # The approval's reviewer of record is tess; make her an owner too: she
    # holds the role but is barred (separation of duties), so never offered.
    tess.groups.add(Group.objects.get(name=roles.REPORT_OWNER))
    c = browser(manager)
    form = c.get(f"/tasks/{approval.pk}/reassign/")
    assert form.status_code == 200
    offered = re.findall(r'<option value="([^"]+)"', form.content.decode())
    assert offered == ["owner2"]

    # The reason is required; nothing changes without it.
    refused = c.post(f"/tasks/{approval.pk}/reassign/", {"to": "owner2", "reason": "  "})
    assert refused.status_code == 400 and "This field is required." in refused.content.decode()
    # A person not offered is refused by the form itself, saying why.
    barred = c.post(f"/tasks/{approval.pk}/reassign/", {"to": tess.username, "reason": "try"})
    assert barred.status_code == 400 and "(separation of duties)" in barred.content.decode()
    lacking = c.post(f"/tasks/{approval.pk}/reassign/", {"to": "just-a-tester", "reason": "try"})
    assert lacking.status_code == 400 and "does not have the report owner role" in lacking.content.decode()
    approval.refresh_from_db()
    assert approval.assignee == olivia and not Reassignment.objects.exists()

    done = c.post(f"/tasks/{approval.pk}/reassign/", {"to": "owner2", "reason": "Olivia is on leave"}, follow=True)
    assert done.status_code == 200
    assert "reassigned to Omar Other (owner2)" in done.content.decode()
    approval.refresh_from_db()
    assert approval.assignee == other_owner
    change = Reassignment.objects.get(task=approval)
    assert (change.from_user, change.reassigned_by, change.reason) == (olivia, manager, "Olivia is on leave")
    assert WorkflowMessage.objects.filter(signal="reassign_task_signal").count() == 1
    # Both people are told, the one who lost it with who took it and who moved it.
    lost = Notification.objects.get(event="reassigned_away")
    assert lost.recipients == [olivia.email]
    assert f"to owner2 by {manager.username}: Olivia is on leave" in lost.body
    # The queue shows since when the new holder has it.
    html = c.get("/tasks/all/").content.decode()
    assert "Omar Other (owner2)" in html and "reassigned</span>" in html


def test_only_managers_reassign_in_the_app(queue):
    _, manager, tess, olivia, review, approval = queue
    for someone in (tess, olivia):
        c = browser(someone)
        assert c.get(f"/tasks/{approval.pk}/reassign/").status_code == 403
        assert c.post(f"/tasks/{approval.pk}/reassign/", {"to": tess.username, "reason": "x"}).status_code == 403
        assert c.get("/tasks/all/reassign-person/").status_code == 403
    assert browser(manager).get("/tasks/999999/reassign/").status_code == 404
    approval.refresh_from_db()
    assert approval.assignee == olivia


def test_bulk_reassign_everything_a_person_on_leave_holds(queue):
    cycle, manager, tess, olivia, review, approval = queue
    third = CycleReportFactory(cycle=cycle, tester=tess)
    second_review = rows.task(third, s.TESTER_REVIEW, tess)
    tess2 = UserFactory(username="tester2", role=roles.TESTER)
    c = browser(manager)
    form = c.get("/tasks/all/reassign-person/").content.decode()
    assert 'value="tstone"' in form and 'value="oowner"' in form

    same = c.post("/tasks/all/reassign-person/", {"holder": "tstone", "to": "tstone", "reason": "leave"})
    assert same.status_code == 400 and "someone other" in same.content.decode()

    done = c.post("/tasks/all/reassign-person/", {"holder": "tstone", "to": "tester2", "reason": "Parental leave"}, follow=True)
    assert "2 task(s) of Tess Stone (tstone) reassigned to tester2" in done.content.decode()
    assert set(HumanTask.objects.filter(assignee=tess2).values_list("pk", flat=True)) == {review.pk, second_review.pk}
    assert Reassignment.objects.filter(from_user=tess, to_user=tess2, reason="Parental leave").count() == 2

    # A task the new person may not hold stays, and is named.
    mixed = c.post("/tasks/all/reassign-person/", {"holder": "oowner", "to": "tester2", "reason": "leave"}, follow=True)
    html = mixed.content.decode()
    assert "Not moved: Report-owner approval of FR Y-14Q Corporate Loans" in html and "report owner role" in html
    approval.refresh_from_db()
    assert approval.assignee == olivia
