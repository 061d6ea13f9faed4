"""A person who acts the moment their task is listed is not told "not
awaiting": the task-opening activity commits the task a moment before the
workflow starts waiting for it, and the submission is re-sent within
TASK_OPENING_GRACE (reviews/delivery.py). Found by the issue-15 benchmark:
eight scripted people hit that moment several times per hundred reports."""
import logging
import threading
import time

import pytest
from django.db import connections
from django.utils import timezone

from reviews.human_tasks import task_due_at
from reviews.models import HumanTask, InboundSubmission
from scoping import workflow_steps as s

from . import helpers
from .temporal_harness import wait_until
from .test_accept_or_refuse import awaiting_review  # noqa: F401  (fixture)
from .test_api import api, url
from .workflow_histories import review_payload


def _task_committed_ahead_of_the_workflow(cr) -> HumanTask:
    """The owner's task as its opening activity commits it (the activity
    finds and keeps this row), while the workflow still awaits the review."""
    now = timezone.now()
    return HumanTask.objects.create(
        kind=s.REPORT_OWNER_APPROVAL, cycle_report=cr, round=1, assignee=cr.report_owner,
        original_assignee=cr.report_owner, opened_at=now, due_at=task_due_at(cr.cycle, now),
        workflow_id=cr.expected_workflow_id,
    )


@pytest.mark.temporal
def test_an_approval_sent_as_soon_as_its_task_is_listed_is_applied(awaiting_review, temporal, settings, caplog):  # noqa: F811
    cr = awaiting_review
    settings.TASK_OPENING_GRACE = 20
    # Whatever level an earlier test left the logging at.
    caplog.set_level(logging.INFO, logger="reviews.delivery")
    _task_committed_ahead_of_the_workflow(cr)
    answer = {}

    def approve():
        try:
            answer["response"] = api(cr.report_owner).post(
                url(cr, "report-owner-approval"), {"approved": True, "comments": ""}, format="json"
            )
        finally:
            connections.close_all()

    owner = threading.Thread(target=approve)
    owner.start()
    # Refused as "not awaiting" while the workflow awaits the review, and
    # held to be sent again.
    wait_until(lambda: "re-sending" in caplog.text, message="the approval to be refused once and held")
    assert InboundSubmission.objects.get(cycle_report=cr, kind=s.REPORT_OWNER_APPROVAL).state == "pending"
    review = api(cr.tester).post(url(cr, "tester-review"), review_payload(cr), format="json")
    assert review.status_code == 200, review.content
    owner.join(30)
    assert answer["response"].status_code == 200, answer["response"].content
    assert answer["response"].json()["accepted"] is True
    assert helpers.scoping_outcome(temporal, cr)["approved_version"] == 1


@pytest.mark.temporal
def test_without_an_open_task_the_answer_is_immediate(awaiting_review, temporal, settings):  # noqa: F811
    cr = awaiting_review
    settings.TASK_OPENING_GRACE = 20
    started = time.monotonic()
    response = api(cr.report_owner).post(url(cr, "report-owner-approval"), {"approved": True, "comments": ""}, format="json")
    assert response.status_code == 409
    assert "not awaiting" in response.json()["detail"]
    assert time.monotonic() - started < 5  # not held for the grace
