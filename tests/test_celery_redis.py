"""E-mail goes through a real Celery worker on Redis, after the commit."""
from django.core import mail
from django.db import transaction

from reviews.tasks import send_notification_email

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
