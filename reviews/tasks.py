"""Celery tasks: e-mail from the outbox and redelivery of stored submissions."""
from __future__ import annotations

import logging
import random

from celery import shared_task
from django.core.mail import send_mail

log = logging.getLogger(__name__)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=8)
def send_notification_email(to: list[str], subject: str, body: str) -> int:
    """Kept for messages queued before the outbox existed; nothing sends it now."""
    return send_mail(subject, body, None, to)


@shared_task(bind=True, max_retries=None)
def send_notification(self, notification_id: int) -> str:
    """Send one outbox e-mail; retried with back-off while it fails. Never
    gives up: the periodic sweep is the second line."""
    from .notification_outbox import send

    state = send(notification_id)
    if state == "failed" and not self.request.is_eager:
        raise self.retry(countdown=retry_delay(self.request.retries))
    return state


@shared_task
def send_pending_notifications() -> int:
    """The periodic sweep: e-mails the broker or the mail server lost."""
    from .notification_outbox import send_pending

    return send_pending()


# Back-off between tries while Temporal is unreachable: 1, 2, 4 ... seconds,
# capped well below Redis' visibility timeout (an hour), past which a
# waiting task would be handed out twice.
RETRY_CAP_SECONDS = 300


def retry_delay(retries: int) -> float:
    # Jitter spreads the retries of many submissions stored in one outage.
    base = min(RETRY_CAP_SECONDS, 2 ** min(retries, 12))
    return base * random.uniform(0.8, 1.2)


@shared_task(bind=True, max_retries=None)
def deliver_submission(self, inbound_id: str) -> str:
    """Deliver one stored submission; retried with back-off until Temporal
    answers. Never gives up: the periodic sweep is the second line."""
    from .delivery import redeliver

    state = redeliver(inbound_id)
    if state == "pending" and not self.request.is_eager:
        # An eager retry would run at once, recursively: leave it to the sweep.
        raise self.retry(countdown=retry_delay(self.request.retries))
    return state


@shared_task(bind=True, max_retries=None)
def deliver_workflow_messages(self, workflow_id: str) -> bool:
    """Send a workflow's outbox signals (a reassignment); retried with
    back-off while Temporal is unreachable, the sweep behind it."""
    from .workflow_messages import deliver_pending

    delivered = deliver_pending(workflow_id)
    if not delivered and not self.request.is_eager:
        raise self.retry(countdown=retry_delay(self.request.retries))
    return delivered


@shared_task
def redeliver_pending_submissions() -> int:
    """The periodic sweep: anything still pending is tried again, the
    workflows' signals (reassignments) before the submissions that may
    depend on them."""
    from .delivery import redeliver_all_pending
    from .workflow_messages import deliver_all_pending

    deliver_all_pending()
    return redeliver_all_pending()
