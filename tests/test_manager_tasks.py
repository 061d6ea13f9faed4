"""The manager's view of all open tasks (/tasks/all/) and its filters."""
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from cycles import roles
from reviews.models import HumanTask

from .clients import browser
from . import factories
from .factories import CycleReportFactory, UserFactory



def task(cr, kind, assignee, due_in, state="open", round_no=1):
    now = timezone.now()
    opened = now + min(due_in, timedelta(0)) - timedelta(hours=1)
    return HumanTask.objects.create(
        kind=kind, cycle_report=cr, assignee=assignee, original_assignee=assignee, opened_at=opened,
        due_at=now + due_in, state=state, round=round_no, workflow_id=cr.expected_workflow_id,
    )


def shown(response) -> list[int]:
    assert response.status_code == 200
    return [int(pk) for pk in re.findall(r'data-task="(\d+)"', response.content.decode())]


@pytest.fixture
def tasks(db):
    c1, c2 = factories.TestCycleFactory(), factories.TestCycleFactory()
    a, b = CycleReportFactory(cycle=c1), CycleReportFactory(cycle=c1)
    c = CycleReportFactory(cycle=c2)
    t = {
        "a_review_late": task(a, "tester_review", a.tester, -timedelta(hours=2), state="escalated"),
        "b_review": task(b, "tester_review", b.tester, timedelta(days=2)),
        "b_approval_late": task(b, "report_owner_approval", b.report_owner, -timedelta(minutes=5)),
        "c_approval": task(c, "report_owner_approval", c.report_owner, timedelta(days=1)),
        "c_review_done": task(c, "tester_review", c.tester, timedelta(days=1), state="completed"),
    }
    return c1, c2, t


def test_filters(tasks):
    c1, c2, t = tasks
    manager = browser(UserFactory(role=roles.TEST_MANAGER))
    ids = {k: v.pk for k, v in t.items()}

    # Every active task, overdue first then by due date; completed ones never.
    assert shown(manager.get("/tasks/all/")) == [
        ids["a_review_late"], ids["b_approval_late"], ids["c_approval"], ids["b_review"]
    ]
    assert shown(manager.get(f"/tasks/all/?cycle={c1.pk}")) == [ids["a_review_late"], ids["b_approval_late"], ids["b_review"]]
    assert shown(manager.get(f"/tasks/all/?cycle={c2.pk}")) == [ids["c_approval"]]
    assert shown(manager.get("/tasks/all/?kind=report_owner_approval")) == [ids["b_approval_late"], ids["c_approval"]]
    assert shown(manager.get("/tasks/all/?kind=tester_review")) == [ids["a_review_late"], ids["b_review"]]
    owner_b = t["b_approval_late"].assignee.username
    assert shown(manager.get(f"/tasks/all/?assignee={owner_b}")) == [ids["b_approval_late"]]
    assert shown(manager.get("/tasks/all/?overdue=1")) == [ids["a_review_late"], ids["b_approval_late"]]
    # Filters combine.
    assert shown(manager.get(f"/tasks/all/?cycle={c1.pk}&kind=tester_review&overdue=1")) == [ids["a_review_late"]]
    assert shown(manager.get(f"/tasks/all/?cycle={c2.pk}&overdue=1")) == []
    assert shown(manager.get("/tasks/all/?assignee=nobody")) == []
    # Nonsense filter values are ignored rather than failing.
    assert len(shown(manager.get("/tasks/all/?cycle=abc&kind=nope&overdue=maybe"))) == 4

    page = manager.get(f"/tasks/all/?cycle={c1.pk}&overdue=1").content.decode()
    assert page.count('class="overdue"') == 2 and "overdue</span>" in page
    assert f'value="{c1.pk}" selected' in page


def test_admins_see_it_and_others_do_not(tasks):
    assert browser(UserFactory(role=roles.ADMIN)).get("/tasks/all/").status_code == 200
    for role in (roles.TESTER, roles.REPORT_OWNER, None):
        assert browser(UserFactory(role=role)).get("/tasks/all/").status_code == 403


def test_my_tasks_lists_overdue_first(tasks):
    _, _, t = tasks
    tester = t["a_review_late"].assignee
    extra = task(t["c_approval"].cycle_report, "tester_review", tester, timedelta(hours=1), round_no=2)
    assert shown(browser(tester).get("/tasks/")) == [t["a_review_late"].pk, extra.pk]
