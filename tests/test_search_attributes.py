"""The workflow's search attributes on the real dev server: a waiting report
can be found by what it awaits and from whom, as in the Temporal Web UI."""
import pytest
from rest_framework.test import APIClient

from cycles import roles

from . import helpers
from .factories import UserFactory, scoped_report
from .temporal_harness import wait_until

pytestmark = pytest.mark.temporal


def listed(temporal, query: str) -> set[str]:
    async def go():
        return {wf.id async for wf in temporal.env.client.list_workflows(query)}

    return temporal.run(go())


def test_waiting_workflow_is_listed_by_action_and_assignee(temporal):
    cr = scoped_report(attributes=2)
    other = scoped_report(attributes=2)  # started too, but not awaiting the same person
    for report in (cr, other):
        c = APIClient()
        c.force_login(report.tester)
        assert helpers.start(c, report).status_code == 201
    task = helpers.wait_for_task(cr, "tester_review")
    helpers.wait_for_awaiting(temporal, cr, "tester_review")
    helpers.wait_for_awaiting(temporal, other, "tester_review")
    wf = cr.expected_workflow_id
    # Earlier tests' workflows were terminated but stay in the index.
    queue = f'TaskQueue = "{helpers.task_queue()}" AND ExecutionStatus = "Running"'

    # Visibility is eventually consistent: wait, with a deadline, for the index.
    by_action = wait_until(
        lambda: wf in (ids := listed(temporal, f'{queue} AND AwaitingAction = "tester_review"')) and ids,
        timeout=20, message="the workflow listed by AwaitingAction",
    )
    assert other.expected_workflow_id in by_action
    by_assignee = wait_until(
        lambda: listed(temporal, f'{queue} AND AwaitingAssignee = "{cr.tester.username}"'),
        timeout=20, message="the workflow listed by AwaitingAssignee",
    )
    assert by_assignee == {wf}
    assert listed(temporal, f'{queue} AND AwaitingAction = "report_owner_approval"') == set()
    # "Waiting for a person for more than N": since is set and in the past.
    waiting = listed(temporal, f'{queue} AND AwaitingSince IS NOT NULL AND AwaitingSince < "2999-01-01T00:00:00Z"')
    assert wf in waiting

    # A reassignment moves the assignee attribute with it.
    manager = APIClient()
    manager.force_login(cr.cycle.test_manager)
    UserFactory(username="tester2", role=roles.TESTER)
    answer = manager.post(f"/api/tasks/{task.pk}/reassign", {"to": "tester2", "reason": "leave"}, format="json")
    assert answer.status_code == 200
    wait_until(
        lambda: listed(temporal, f'{queue} AND AwaitingAssignee = "tester2"') == {wf},
        timeout=20, message="the new assignee in the index",
    )
    assert wf not in listed(temporal, f'{queue} AND AwaitingAssignee = "{cr.tester.username}"')
