"""Sending the e-mails of the outbox (reviews.models.Notification).

A notification is written in the transaction of the change it announces;
after the commit it is handed to Celery, which sends it and retries. If the
broker is down at that moment, or the worker dies, the periodic sweep sends
what is still waiting. Delivery is at least once: the claim keeps the task
and the sweep from sending one e-mail twice at the same time, and only a
crash between the mail server's acceptance and the row's update can repeat
it."""
from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import Notification

log = logging.getLogger(__name__)

CLAIM = timedelta(minutes=5)
SWEEP_BATCH = 200


def queue(event: str, recipients: list[str], subject: str, body: str, cycle_report=None) -> Notification:
    """Write the notification; it is handed to Celery once the caller's
    transaction commits (at once outside a transaction)."""
    note = Notification.objects.create(
        event=event, recipients=recipients, subject=subject, body=body, cycle_report=cycle_report
    )
    pk = note.pk
    transaction.on_commit(lambda: _enqueue(pk))
    return note


def _enqueue(pk: int) -> None:
    from .tasks import send_notification

    try:
        send_notification.delay(pk)
    except Exception as exc:  # the broker is down: the row waits for the sweep
        log.warning("notification %s left for the sweep: could not enqueue: %s", pk, exc)


def send(pk: int) -> str:
    """Send one notification: "sent", "done" (already sent, or claimed by
    another sender) or "failed" (kept for a retry)."""
    now = timezone.now()
    claimed = Notification.objects.filter(pk=pk, sent_at__isnull=True).filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    ).update(claimed_until=now + CLAIM, attempts=F("attempts") + 1)
    if not claimed:
        return "done"
    note = Notification.objects.get(pk=pk)
    try:
        send_mail(note.subject, note.body, None, note.recipients)
    except Exception as exc:  # SMTP down, refused, timed out: try again later
        Notification.objects.filter(pk=pk).update(claimed_until=None, last_error=f"{type(exc).__name__}: {exc}"[:2000])
        log.warning("notification %s not sent (attempt %s): %s", pk, note.attempts, exc)
        return "failed"
    Notification.objects.filter(pk=pk).update(sent_at=timezone.now(), claimed_until=None, last_error="")
    return "sent"


def send_pending(older_than: float | None = None) -> int:
    """The sweep: send what is still waiting, oldest first. Rows younger
    than `older_than` seconds are left to the task enqueued for them."""
    grace = settings.NOTIFICATION_SWEEP_GRACE if older_than is None else older_than
    cutoff = timezone.now() - timedelta(seconds=grace)
    waiting = Notification.objects.filter(sent_at__isnull=True, created_at__lte=cutoff).order_by("created_at", "pk")
    sent = 0
    for pk in list(waiting.values_list("pk", flat=True)[:SWEEP_BATCH]):
        if send(pk) == "sent":
            sent += 1
    return sent
