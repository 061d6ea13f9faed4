"""E-mail goes through a real Celery worker on Redis, after the commit."""
from celery import Celery
from django.core import mail
from django.db import transaction

from reviews.tasks import send_notification_email

from .celery_harness import broker_url, redis_celery_worker, require_service
from .temporal_harness import wait_until


def test_email_sent_by_celery_worker_after_commit(celery_redis_worker):
    with transaction.atomic():
        send_notification_email.delay_on_commit(["tester@bank.example"], "Hello", "Body")
        assert mail.outbox == []  # nothing leaves before the commit
    wait_until(lambda: len(mail.outbox) == 1, timeout=20, message="the e-mail")
    assert mail.outbox[0].to == ["tester@bank.example"]


def test_rolled_back_transaction_sends_nothing(celery_redis_worker):
    try:
        with transaction.atomic():
            send_notification_email.delay_on_commit(["tester@bank.example"], "Never", "Body")
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    send_notification_email.delay(["owner@bank.example"], "After", "Body")
    wait_until(lambda: len(mail.outbox) == 1, timeout=20, message="the later e-mail")
    assert [m.subject for m in mail.outbox] == ["After"]


def test_a_message_left_in_the_test_broker_is_purged_before_the_worker_starts(transactional_db):
    """What an interrupted earlier run leaves behind is not delivered (nor
    counted) by the next test's worker."""
    require_service(broker_url(), "Redis")
    from config.celery import app

    leftover = Celery("leftover", broker=broker_url())
    leftover.send_task(
        "reviews.tasks.send_notification_email",
        args=[["stale@bank.example"], "Left over", "Body"],
        queue=app.conf.task_default_queue,
    )
    leftover.close()
    with redis_celery_worker():
        send_notification_email.delay(["owner@bank.example"], "Fresh", "Body")
        # One queue, one solo worker, first in first out: a left-over
        # message would have been handled before this one.
        wait_until(lambda: any(m.subject == "Fresh" for m in mail.outbox), timeout=20, message="the e-mail")
    assert [m.subject for m in mail.outbox] == ["Fresh"]
