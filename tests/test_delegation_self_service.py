"""Issue 13, part 5: reassignment and delegation explain themselves. The
person who lost a task is told to whom and by whom; people set their own
out-of-office delegation on their profile page among eligible people; every
delegation change is in the app's history; the admin speaks plainly."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from cycles import roles
from reviews.models import Delegation, DelegationChange
from reviews.reassignment import reassign
from scoping import workflow_steps as s

from . import rows
from .clients import browser
from .factories import UserFactory, scoped_report


def day(offset: int = 0) -> str:
    return (timezone.localdate() + timedelta(days=offset)).isoformat()


@pytest.mark.django_db
def test_the_person_who_lost_a_task_is_told_to_whom_and_by_whom():
    cr = scoped_report(attributes=3)
    rows.recommendations(cr)
    task = rows.task(cr, s.TESTER_REVIEW, cr.tester)
    tess2 = UserFactory(username="tester2", first_name="Tara", last_name="Two", role=roles.TESTER)
    reassign(task.pk, "tester2", "Tess is on leave", cr.cycle.test_manager)

    page = browser(cr.tester).get(f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/review/")
    assert page.status_code == 403
    text = page.content.decode()
    assert "This tester review was reassigned from you to Tara Two (tester2)" in text
    assert f"by {cr.cycle.test_manager.username}" in text and "Tess is on leave" in text
    # The new holder's delegate-free colleague who never held it: the plain rule.
    assert tess2.tasks.get().pk == task.pk


@pytest.mark.django_db
def test_out_of_office_set_listed_and_ended_on_the_profile_page():
    owner = UserFactory(username="owner1", first_name="Olivia", last_name="Owner", role=roles.REPORT_OWNER)
    stand_in = UserFactory(username="owner2", first_name="Omar", last_name="Other", role=roles.REPORT_OWNER)
    UserFactory(username="a-tester", role=roles.TESTER)  # shares no role with owner1
    UserFactory(username="retired", role=roles.REPORT_OWNER, is_active=False)
    c = browser(owner)
    page = c.get("/profile/")
    assert page.status_code == 200
    assert re.findall(r'<option value="([^"]+)"', page.content.decode()) == ["owner2"]

    # Refused, each with its reason, and nothing saved.
    for data, message in [
        ({"delegate": "a-tester", "first_day": day(), "last_day": day(3), "reason": "Leave"}, "Select a valid choice"),
        ({"delegate": "owner2", "first_day": day(-2), "last_day": day(3), "reason": "Leave"}, "Start today or later."),
        ({"delegate": "owner2", "first_day": day(3), "last_day": day(1), "reason": "Leave"}, "The last day comes on or after the first."),
        ({"delegate": "owner2", "first_day": day(), "last_day": day(3), "reason": ""}, "This field is required."),
    ]:
        refused = c.post("/profile/", data)
        assert refused.status_code == 400 and message in refused.content.decode(), message
    assert not Delegation.objects.exists()

    done = c.post("/profile/", {"delegate": "owner2", "first_day": day(), "last_day": day(3), "reason": "Annual leave"}, follow=True)
    last = timezone.localdate() + timedelta(days=3)
    assert f"Omar Other (owner2) acts on your tasks until {last:%a %d %b %Y}." in done.content.decode()
    d = Delegation.objects.get()
    assert (d.delegator, d.delegate, d.created_by, d.last_day) == (owner, stand_in, owner, last)
    assert d.starts_at <= timezone.now() < d.ends_at
    # The list and the history both name the last day included, the same way.
    profile_page = c.get("/profile/").content.decode()
    assert profile_page.count(f"until {last:%a %d %b %Y} (included") == 2
    # An overlapping second one is refused in plain words.
    again = c.post("/profile/", {"delegate": "owner2", "first_day": day(1), "last_day": day(2), "reason": "x"})
    assert again.status_code == 400 and "overlaps these days; end it first" in again.content.decode()
    # The delegate sees it on their own page.
    assert "Olivia Owner (owner1)" in browser(stand_in).get("/profile/").content.decode()

    # Someone else cannot end it; the delegator can.
    assert browser(stand_in).post(f"/profile/delegations/{d.pk}/end").status_code == 404
    c.post(f"/profile/delegations/{d.pk}/end")
    d.refresh_from_db()
    assert d.ends_at <= timezone.now()
    assert list(DelegationChange.objects.values_list("change", "changed_by__username")) == [
        ("delegation_created", "owner1"), ("delegation_ended", "owner1")
    ]
    assert "Delegation ended early" in c.get("/profile/").content.decode()


@pytest.mark.django_db
def test_the_admin_speaks_plainly_and_records_delegations():
    manager = UserFactory(role=roles.TEST_MANAGER)
    manager.is_staff = True
    manager.save()
    from reviews.role_permissions import grant

    grant()
    owner = UserFactory(role=roles.REPORT_OWNER)
    other = UserFactory(role=roles.REPORT_OWNER)
    c = browser(manager)
    now = timezone.localtime()

    def post(delegate, starts, ends):
        return c.post("/admin/reviews/delegation/add/", {
            "delegator": owner.pk, "delegate": delegate.pk,
            "starts_at_0": starts.strftime("%Y-%m-%d"), "starts_at_1": starts.strftime("%H:%M:%S"),
            "ends_at_0": ends.strftime("%Y-%m-%d"), "ends_at_1": ends.strftime("%H:%M:%S"), "reason": "leave",
        })

    backwards = post(other, now + timedelta(days=2), now + timedelta(days=1)).content.decode()
    assert "The delegation must end after it starts." in backwards and "Constraint" not in backwards
    to_self = post(owner, now, now + timedelta(days=1)).content.decode()
    assert "cannot delegate to themselves" in to_self and "Constraint" not in to_self
    assert not Delegation.objects.exists()
    assert post(other, now, now + timedelta(days=1)).status_code == 302
    change = DelegationChange.objects.get()
    assert (change.change, change.delegator, change.delegate, change.changed_by) == ("delegation_created", owner, other, manager)
    assert "Delegation created" in c.get("/admin/reviews/delegationchange/").content.decode()


@pytest.mark.django_db
def test_the_admin_reassign_action_offers_eligible_people_only():
    from reviews.role_permissions import grant

    grant()
    cr = scoped_report(attributes=3)
    rows.recommendations(cr)
    rows.submission(cr, cr.tester)
    task = rows.task(cr, s.REPORT_OWNER_APPROVAL, cr.report_owner)
    manager = cr.cycle.test_manager
    manager.is_staff = True
    manager.save()
    UserFactory(username="owner-b", role=roles.REPORT_OWNER)
    UserFactory(username="tester-b", role=roles.TESTER)
    page = browser(manager).post("/admin/reviews/humantask/", {"action": "reassign_tasks", "_selected_action": [task.pk]})
    assert page.status_code == 200
    offered = set(re.findall(r'<option value="([^"]+)"', page.content.decode())) - {""}
    assert offered == {"owner-b"}
