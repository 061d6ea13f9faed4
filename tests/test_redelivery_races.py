"""Issue 5, part 3: redelivering a stored submission is harmless however it
happens: the Celery task and the sweep racing each other, or a redelivery
after the first delivery was applied but its answer lost."""
import threading

import pytest
from django.db import connections

from cycles import workflow_types as t
from scoping import workflow_steps as s
from reviews import delivery, submissions
from reviews.models import AuditEvent, InboundSubmission
from scoping.models import OwnerDecision, ScopingSubmission

from . import helpers
from .factories import scoped_report
from .test_temporal_outage import accepted_events, api, as_recommended, login, started_and_awaiting_review

pytestmark = pytest.mark.temporal


def stored(cr, kind, user, payload) -> InboundSubmission:
    """A submission as submit() stores it when Temporal cannot be reached."""
    return InboundSubmission.objects.create(
        idempotency_key=f"stored-{kind}",
        cycle_report=cr,
        kind=kind,
        submitted_by=user,
        on_behalf_of=user,
        payload=payload,
        payload_hash=submissions.submission_digest(cr, kind, payload),
    )


def test_redelivery_task_and_sweep_racing_apply_a_submission_once(temporal):
    cr = scoped_report(attributes=5)
    started_and_awaiting_review(temporal, cr, login(cr.tester))
    inbound = stored(cr, s.TESTER_REVIEW, cr.tester, as_recommended(cr))

    barrier = threading.Barrier(4)
    outcomes, errors = [], []

    def racer(fn):
        try:
            barrier.wait(10)
            outcomes.append(fn())
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    # Two redelivery tasks (a retried Celery message) and two sweeps at once.
    jobs = [lambda: delivery.redeliver(str(inbound.pk))] * 2 + [delivery.redeliver_all_pending] * 2
    threads = [threading.Thread(target=racer, args=(job,)) for job in jobs]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert not errors, errors
    assert len(outcomes) == 4

    inbound.refresh_from_db()
    assert inbound.state == InboundSubmission.State.ACCEPTED, inbound.response
    assert inbound.response_status == 200 and inbound.response["version"] == 1
    assert inbound.attempts >= 1
    assert ScopingSubmission.objects.filter(cycle_report=cr).count() == 1
    assert accepted_events(cr) == 1
    assert not AuditEvent.objects.filter(cycle_report=cr, event=AuditEvent.Event.SUBMISSION_REFUSED).exists()
    helpers.wait_for_awaiting(temporal, cr, "report_owner_approval")


def test_redelivery_after_a_lost_answer_and_a_finished_workflow_is_reported_applied(temporal):
    cr = scoped_report(attributes=3)
    tester = login(cr.tester)
    started_and_awaiting_review(temporal, cr, tester)
    review = tester.post(api(cr, "tester-review"), as_recommended(cr), content_type="application/json")
    assert review.status_code == 200, review.content
    helpers.wait_for_awaiting(temporal, cr, "report_owner_approval")

    # The approval reached the workflow, but the sender never heard back
    # (its call timed out): the row is still pending.
    inbound = stored(cr, s.REPORT_OWNER_APPROVAL, cr.report_owner, {"approved": True, "comments": ""})
    handle = temporal.env.client.get_workflow_handle(cr.expected_workflow_id)
    first = temporal.run(
        handle.execute_update(
            "submit_report_owner_approval", delivery._message(inbound), id=str(inbound.pk), result_type=dict
        )
    )
    assert first["status"] == "accepted"
    assert helpers.scoping_outcome(temporal, cr)["approved_version"] == 1  # the workflow is over

    # The redelivery finds no workflow awaiting it, yet it was applied.
    assert delivery.redeliver(str(inbound.pk)) == "accepted"
    inbound.refresh_from_db()
    assert inbound.state == InboundSubmission.State.ACCEPTED
    assert inbound.response == {"accepted": True, "version": 1, "submission_id": str(inbound.pk)}
    assert OwnerDecision.objects.filter(cycle_report=cr).count() == 1
    assert not AuditEvent.objects.filter(cycle_report=cr, event=AuditEvent.Event.SUBMISSION_REFUSED).exists()
