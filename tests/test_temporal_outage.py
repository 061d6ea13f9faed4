"""Issue 5, part 3: a submission made while Temporal is down is stored,
answered 202 "pending delivery", and applied exactly once when Temporal is
back: by the Celery task (with back-off), or by the periodic sweep on Celery
beat when the broker was down too.

"Down" is real: each test runs its own Temporal dev server (persistent
--db-filename, fixed port), SIGKILLs it and starts it again."""
import time

import pytest
from django.core import mail

from config.celery import app as celery_app
from reviews.models import AuditEvent, HumanTask, InboundSubmission
from scoping.models import Recommendation, ScopingSubmission

from .clients import browser as login
from . import helpers
from .celery_harness import reset_pools, redis_celery_worker
from .factories import scoped_report
from .process_harness import free_port, separate_temporal  # noqa: F401  (fixture)
from .temporal_harness import wait_until

pytestmark = pytest.mark.temporal



def api(cr, what: str) -> str:
    return f"/api/cycles/{cr.cycle_id}/reports/{cr.report_id}/{what}"


def as_recommended(cr) -> dict:
    return {
        "decisions": [
            {"attribute_id": r.attribute_id, "include": r.include, "rationale": ""}
            for r in Recommendation.objects.filter(cycle_report=cr)
        ]
    }


def post_review(client, cr, key: str, payload=None):
    return client.post(
        api(cr, "tester-review"),
        payload or as_recommended(cr),
        content_type="application/json",
        headers={"Idempotency-Key": key},
    )


def started_and_awaiting_review(sep, cr, tester):
    assert helpers.start(tester, cr).status_code == 201
    helpers.wait_for_task(cr, "tester_review")
    helpers.wait_for_awaiting(sep, cr, "tester_review")


def accepted_events(cr) -> int:
    return AuditEvent.objects.filter(cycle_report=cr, event=AuditEvent.Event.SUBMISSION_ACCEPTED).count()


def test_api_submission_while_temporal_is_down_is_delivered_by_the_celery_task(separate_temporal, celery_redis_worker):
    sep = separate_temporal
    cr = scoped_report(attributes=4)
    tester = login(cr.tester)
    started_and_awaiting_review(sep, cr, tester)

    sep.server.stop()
    before = time.monotonic()
    answer = post_review(tester, cr, "review-1")
    assert answer.status_code == 202, answer.content
    body = answer.json()
    assert body["pending_delivery"] is True and body["submission_id"]
    assert time.monotonic() - before < 15  # bounded by TEMPORAL_RPC_TIMEOUT, not hanging
    inbound = InboundSubmission.objects.get(cycle_report=cr)
    assert (inbound.state, str(inbound.pk)) == (InboundSubmission.State.PENDING, body["submission_id"])
    assert inbound.last_error
    assert not ScopingSubmission.objects.filter(cycle_report=cr).exists()

    # The person sees it is waiting, from the API and the page.
    status = tester.get(api(cr, "status")).json()
    assert status["pending_delivery"] == 1 and status["source"] == "database"
    page = tester.get(f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/")
    assert "pending delivery" in page.content.decode().lower()
    # A retry of the same request is the same stored submission.
    again = post_review(tester, cr, "review-1")
    assert again.status_code == 202 and again.json()["submission_id"] == body["submission_id"]

    # The Celery task keeps trying, backing off, while Temporal is down.
    wait_until(
        lambda: InboundSubmission.objects.get(pk=inbound.pk).attempts >= 3,
        timeout=60,
        message="the redelivery task to retry",
    )
    assert InboundSubmission.objects.get(pk=inbound.pk).state == InboundSubmission.State.PENDING

    sep.server.start()
    assert sep.worker_alive()  # the same worker reconnects by itself
    inbound = wait_until(
        lambda: InboundSubmission.objects.exclude(state=InboundSubmission.State.PENDING).filter(pk=inbound.pk).first(),
        timeout=90,
        message="the stored submission to be delivered",
    )
    assert inbound.state == InboundSubmission.State.ACCEPTED, inbound.response
    assert inbound.response_status == 200 and inbound.response["version"] == 1

    # Exactly one effect.
    assert ScopingSubmission.objects.filter(cycle_report=cr).count() == 1
    assert accepted_events(cr) == 1
    helpers.wait_for_task(cr, "report_owner_approval")
    helpers.wait_for_awaiting(sep, cr, "report_owner_approval")
    assert tester.get(api(cr, "status")).json()["pending_delivery"] == 0
    # The first answer given for the key is now the final one.
    final = post_review(tester, cr, "review-1")
    assert final.status_code == 200 and final.json()["version"] == 1

    # And the workflow carries on to the end.
    owner = login(cr.report_owner)
    ok = owner.post(api(cr, "report-owner-approval"), {"approved": True, "comments": ""}, content_type="application/json")
    assert ok.status_code == 200, ok.content
    outcome = helpers.scoping_outcome(sep, cr)
    assert outcome["approved_version"] == 1
    assert ScopingSubmission.objects.filter(cycle_report=cr).count() == 1
    assert accepted_events(cr) == 1


def test_form_submission_with_temporal_and_broker_down_is_delivered_by_the_sweep_on_beat(separate_temporal, tmp_path, request):
    from celery.beat import EmbeddedService
    from django.conf import settings

    sep = separate_temporal
    cr = scoped_report(attributes=4)
    tester = login(cr.tester)
    started_and_awaiting_review(sep, cr, tester)
    sep.server.stop()

    # 1. The HTML form, with Celery eager (as in development): the request
    # must not retry inline until Temporal is back; it answers at once.
    form_url = f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/review/"
    assert celery_app.conf.task_always_eager
    before = time.monotonic()
    page = tester.post(form_url, helpers.review_form_data(cr, token="form-1"), follow=True)
    assert time.monotonic() - before < 15
    assert page.status_code == 200
    assert "saved and will be applied" in page.content.decode()
    assert "pending delivery" in page.content.decode().lower()

    # 2. The API, with the broker down too: stored all the same (the row is
    # the outbox), nothing queued anywhere.
    saved_conf = {k: celery_app.conf.get(k) for k in ("broker_url", "task_always_eager", "beat_schedule")}
    request.addfinalizer(lambda: (celery_app.conf.update(**saved_conf), reset_pools(celery_app)))
    celery_app.conf.update(broker_url=f"redis://127.0.0.1:{free_port()}/0", task_always_eager=False)
    reset_pools(celery_app)
    later = as_recommended(cr)
    later["decisions"][-1]["rationale"] = "second thoughts"
    answer = post_review(tester, cr, "api-2", later)
    assert answer.status_code == 202 and answer.json()["pending_delivery"] is True
    first, second = InboundSubmission.objects.filter(cycle_report=cr).order_by("created_at")
    assert {first.state, second.state} == {InboundSubmission.State.PENDING}
    assert tester.get(api(cr, "status")).json()["pending_delivery"] == 2

    # 3. Temporal and the broker are back; only the sweep knows of these.
    sep.server.start()
    assert sep.worker_alive()
    assert settings.CELERY_BEAT_SCHEDULE["redeliver-pending-submissions"]["task"] == (
        "reviews.tasks.redeliver_pending_submissions"
    )
    celery_app.conf.beat_schedule = {
        "redeliver-pending-submissions": {**settings.CELERY_BEAT_SCHEDULE["redeliver-pending-submissions"], "schedule": 1.0}
    }
    beat = None
    try:
        with redis_celery_worker():
            beat = EmbeddedService(celery_app, thread=True, schedule_filename=str(tmp_path / "beat-schedule"))
            beat.start()
            wait_until(
                lambda: not InboundSubmission.objects.filter(cycle_report=cr, state="pending").exists(),
                timeout=90,
                message="the sweep to deliver both submissions",
            )
            # The refusal e-mail goes through the same real worker.
            wait_until(lambda: any("Not applied" in m.subject for m in mail.outbox), timeout=30, message="the e-mail")
    finally:
        if beat is not None:
            beat.stop()

    first.refresh_from_db()
    second.refresh_from_db()
    # Oldest first: the form's review is applied, the later one refused as
    # the step is over, and the person is told, by the timeline and e-mail.
    assert first.state == InboundSubmission.State.ACCEPTED and first.response["version"] == 1
    assert second.state == InboundSubmission.State.REFUSED and second.response_status == 409
    assert ScopingSubmission.objects.filter(cycle_report=cr).count() == 1
    assert ScopingSubmission.objects.get(cycle_report=cr).message_id == str(first.pk)
    assert accepted_events(cr) == 1
    refused = AuditEvent.objects.get(cycle_report=cr, event=AuditEvent.Event.SUBMISSION_REFUSED)
    assert "refused on delivery" in refused.detail
    notice = next(m for m in mail.outbox if "Not applied" in m.subject)
    assert notice.to == [cr.tester.email]
    page = tester.get(f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/").content.decode()
    assert "refused on delivery" in page
    assert "pending delivery" not in page.lower()
    # The API's retry with the same key now gets the final answer.
    final = post_review(tester, cr, "api-2", later)
    assert final.status_code == 409
    helpers.wait_for_awaiting(sep, cr, "report_owner_approval")
    assert HumanTask.objects.filter(cycle_report=cr, kind="tester_review").count() == 1
