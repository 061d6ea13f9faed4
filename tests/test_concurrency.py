"""Issue 5, part 5: two people submitting for the same step at the same
moment: exactly one is applied, the other is told 409 with a clear message.
A submission's database writes are one transaction."""
import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, connections
from django.utils import timezone

from cycles import workflow_types as t
from scoping import workflow_steps as s
from reviews.models import AuditEvent, Delegation, HumanTask, InboundSubmission
from reviews.applying import Submitted
from scoping import services
from scoping.models import ScopingDecision, ScopingSubmission

from . import helpers
from .factories import UserFactory
from .test_accept_or_refuse import awaiting_review  # noqa: F401  (fixture)
from .test_api import api, url
from .workflow_histories import review_payload


def _at_once(*calls):
    """Run the calls in threads released together by a barrier; each thread
    uses (and closes) its own database connection, like a web worker."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=10)
            results[i] = call()
        except BaseException as exc:  # reported by the test, not lost in the thread
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    return results


@pytest.mark.temporal
def test_tester_and_delegate_at_the_same_moment_one_applied_one_409(awaiting_review, temporal):
    cr = awaiting_review
    delegate = UserFactory(role="tester")
    Delegation.objects.create(
        delegator=cr.tester, delegate=delegate, starts_at=timezone.now() - timedelta(hours=1),
        ends_at=timezone.now() + timedelta(days=1), reason="leave", created_by=cr.cycle.test_manager,
    )
    clients = [api(cr.tester), api(delegate)]
    bodies = [review_payload(cr), review_payload(cr, flip_first_non_key=False)]

    def post(i):
        return lambda: clients[i].post(url(cr, "tester-review"), bodies[i], format="json", HTTP_IDEMPOTENCY_KEY=f"k{i}")

    answers = _at_once(post(0), post(1))
    assert not [a for a in answers if isinstance(a, BaseException)], answers
    codes = sorted(a.status_code for a in answers)
    assert codes == [200, 409], [(a.status_code, a.content) for a in answers]
    loser = next(a for a in answers if a.status_code == 409)
    assert loser.json()["detail"] in {
        "another submission for this step was accepted first",
        "this report is not awaiting a tester review",
        "This report is not awaiting a tester review.",
    }
    assert ScopingSubmission.objects.filter(cycle_report=cr).count() == 1
    assert ScopingDecision.objects.count() == 4
    states = sorted(InboundSubmission.objects.values_list("state", flat=True))
    assert states in (["accepted", "refused"], ["accepted"])  # the loser may be stopped before storing
    helpers.wait_for_awaiting(temporal, cr, s.REPORT_OWNER_APPROVAL)


@pytest.mark.temporal
def test_double_click_same_key_at_once_one_effect_same_answer(awaiting_review, temporal):
    cr = awaiting_review
    clients = [api(cr.tester), api(cr.tester)]

    def post(i):
        return lambda: clients[i].post(url(cr, "tester-review"), review_payload(cr), format="json", HTTP_IDEMPOTENCY_KEY="same")

    answers = _at_once(post(0), post(1))
    assert not [a for a in answers if isinstance(a, BaseException)], answers
    assert [a.status_code for a in answers] == [200, 200], [a.content for a in answers]
    assert answers[0].json() == answers[1].json()
    assert ScopingSubmission.objects.count() == 1 and InboundSubmission.objects.count() == 1
    helpers.wait_for_awaiting(temporal, cr, s.REPORT_OWNER_APPROVAL)  # nothing in flight at teardown


def test_a_review_is_written_in_one_transaction(transactional_db):
    """A constraint failing half-way through (the database refuses a primary
    key left out of scope, after the new version row was written and the
    previous one superseded) leaves nothing behind."""
    from .factories import scoped_report

    cr = scoped_report(attributes=4)
    services.ensure_recommendations(cr)
    now = timezone.now()
    task = HumanTask.objects.create(
        kind=s.TESTER_REVIEW, cycle_report=cr, round=1, assignee=cr.tester, original_assignee=cr.tester,
        opened_at=now, due_at=now, workflow_id="wf",
    )

    def submission(sid, exclude_primary_key=False):
        payload = review_payload(cr)
        for d in payload["decisions"]:
            if exclude_primary_key and d["attribute_id"] == cr.report.attributes.get(is_primary_key=True).pk:
                d.update(include=False, rationale="not needed")
        return s.TesterReviewSubmission(
            submission_id=sid, submitted_by=cr.tester.username, on_behalf_of=cr.tester.username,
            decisions=[s.Decision(**d) for d in payload["decisions"]],
        )

    def submitted(message):
        return Submitted(cr, task, cr.tester, cr.tester, message, "wf", "run")

    first = services.record_tester_review(submitted(submission("v1")))
    assert first.version == 1
    events = AuditEvent.objects.count()
    HumanTask.objects.filter(pk=task.pk).update(state="open")
    with pytest.raises(IntegrityError):
        services.record_tester_review(submitted(submission("v2", exclude_primary_key=True)))
    assert list(ScopingSubmission.objects.values_list("version", "superseded_at")) == [(1, None)]
    assert ScopingDecision.objects.count() == 4
    assert HumanTask.objects.get(pk=task.pk).state == "open"
    assert AuditEvent.objects.count() == events
