"""Celery tasks: e-mail and redelivery of stored submissions."""
from __future__ import annotations

import logging

from celery import shared_task
from django.core.mail import send_mail

log = logging.getLogger(__name__)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=8)
def send_notification_email(to: list[str], subject: str, body: str) -> int:
    return send_mail(subject, body, None, to)


@shared_task(bind=True, max_retries=None)
def deliver_submission(self, inbound_id: str) -> str:
    from .submissions import redeliver

    state = redeliver(inbound_id)
    if state == "pending":
        # Temporal is still unreachable: back off (capped at ten minutes).
        raise self.retry(countdown=min(600, 2 ** min(self.request.retries, 9)))
    return state


@shared_task
def redeliver_pending_submissions() -> int:
    """The periodic sweep: anything still pending is tried again."""
    from .submissions import redeliver_all_pending

    return redeliver_all_pending()
