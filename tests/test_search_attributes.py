"""The workflow's search attributes on the real dev server: a waiting report
can be found by what it awaits and from whom, as in the Temporal Web UI,
from the first human step to the run's end."""
from datetime import datetime, timedelta, timezone

import pytest
from rest_framework.test import APIClient

from cycles import roles
from cycles import workflow_types as t

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


AWAITING = (t.SA_AWAITING_ACTION, t.SA_AWAITING_ASSIGNEE, t.SA_AWAITING_SINCE)


def utc(moment: datetime, plus_ms: int = 0) -> str:
    """For a visibility query (its stored precision differs from Python's,
    hence a millisecond either side rather than equality)."""
    moment = moment + timedelta(milliseconds=plus_ms)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def described(temporal, cr) -> dict:
    """The run's Awaiting* search attributes as Temporal holds them now."""
    handle = temporal.env.client.get_workflow_handle(cr.expected_workflow_id)
    desc = temporal.run(handle.describe())
    return {pair.key.name: pair.value for pair in desc.typed_search_attributes if pair.key.name in AWAITING}


def decisions(cr) -> list[dict]:
    from scoping.models import Recommendation

    return [
        {"attribute_id": rec.attribute_id, "include": rec.include, "rationale": ""}
        for rec in Recommendation.objects.filter(cycle_report=cr)
    ]


def test_search_attributes_over_a_whole_run_set_switched_and_cleared(temporal):
    """Set at the tester's review, switched to the owner's approval (action,
    assignee and since all change), cleared when the run completes; seen both
    on the run (describe) and through visibility queries (list_workflows)."""
    cr = scoped_report(attributes=2)
    tester, owner = APIClient(), APIClient()
    tester.force_login(cr.tester)
    owner.force_login(cr.report_owner)
    assert helpers.start(tester, cr).status_code == 201
    wf = cr.expected_workflow_id
    cr.refresh_from_db()
    # Ids repeat across tests (the database is reset); the run id does not.
    this_run = f'WorkflowId = "{wf}" AND RunId = "{cr.workflow_run_id}"'

    # Awaiting the tester's review.
    status = helpers.wait_for_awaiting(temporal, cr, "tester_review")
    review_since = datetime.fromisoformat(status["awaiting_since"])
    assert described(temporal, cr) == {
        t.SA_AWAITING_ACTION: "tester_review",
        t.SA_AWAITING_ASSIGNEE: cr.tester.username,
        t.SA_AWAITING_SINCE: review_since,
    }
    wait_until(
        lambda: listed(temporal, f'{this_run} AND AwaitingAction = "tester_review" AND AwaitingAssignee = "{cr.tester.username}"') == {wf},
        timeout=20, message="the review in the index",
    )
    assert listed(temporal, f'{this_run} AND AwaitingSince BETWEEN "{utc(review_since, -1)}" AND "{utc(review_since, 1)}"') == {wf}

    # Submitted: the attributes switch to the owner's approval.
    base = f"/api/cycles/{cr.cycle_id}/reports/{cr.report_id}"
    assert tester.post(f"{base}/tester-review", {"decisions": decisions(cr)}, format="json").status_code == 200
    status = helpers.wait_for_awaiting(temporal, cr, "report_owner_approval")
    approval_since = datetime.fromisoformat(status["awaiting_since"])
    assert approval_since > review_since
    assert described(temporal, cr) == {
        t.SA_AWAITING_ACTION: "report_owner_approval",
        t.SA_AWAITING_ASSIGNEE: cr.report_owner.username,
        t.SA_AWAITING_SINCE: approval_since,
    }
    wait_until(
        lambda: listed(temporal, f'{this_run} AND AwaitingAction = "report_owner_approval" AND AwaitingAssignee = "{cr.report_owner.username}"') == {wf},
        timeout=20, message="the approval in the index",
    )
    assert listed(temporal, f'{this_run} AND AwaitingAction = "tester_review"') == set()
    assert listed(temporal, f'{this_run} AND AwaitingAssignee = "{cr.tester.username}"') == set()
    # Since moved on to the approval's opening.
    assert listed(temporal, f'{this_run} AND AwaitingSince > "{utc(review_since, 1)}"') == {wf}

    # Approved: the next phase's step is awaited from the tester.
    assert owner.post(f"{base}/report-owner-approval", {"approved": True}, format="json").status_code == 200
    status = helpers.wait_for_awaiting(temporal, cr, "sample_selection")
    assert described(temporal, cr) == {
        t.SA_AWAITING_ACTION: "sample_selection",
        t.SA_AWAITING_ASSIGNEE: cr.tester.username,
        t.SA_AWAITING_SINCE: datetime.fromisoformat(status["awaiting_since"]),
    }

    # The last phase done: the run completes with nothing awaited.
    helpers.through_sampling(temporal, cr)
    assert described(temporal, cr) == {}
    wait_until(
        lambda: listed(temporal, f'{this_run} AND ExecutionStatus = "Completed" AND AwaitingAction IS NULL'
                       " AND AwaitingAssignee IS NULL AND AwaitingSince IS NULL") == {wf},
        timeout=20, message="the completed run in the index with its attributes cleared",
    )
    assert listed(temporal, f"{this_run} AND (AwaitingAction IS NOT NULL OR AwaitingAssignee IS NOT NULL)") == set()

