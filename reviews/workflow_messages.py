"""Signals to workflows through an outbox (reviews.models.WorkflowMessage).

A change that a workflow must hear of (a reassignment) writes its message in
the same transaction; after the commit the message is sent at once, and if
Temporal cannot be reached, later by Celery or by the redelivery sweep.
Messages to one workflow go in the order they were written: a later one
waits while an earlier one is undelivered, so that two reassignments in a
row end with the last one in the workflow too. The signals they carry set
state (the assignee), so sending one twice is harmless."""
from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from temporalio.service import RPCError, RPCStatusCode

from cycles import temporal_client

from .models import WorkflowMessage

log = logging.getLogger(__name__)

# The workflow is gone or finished: there is nobody left to tell.
GONE = {RPCStatusCode.NOT_FOUND, RPCStatusCode.FAILED_PRECONDITION}


def queue(workflow_id: str, signal: str, payload: dict, about: str = "") -> WorkflowMessage:
    """Write the message in the caller's transaction; send it after the commit."""
    message = WorkflowMessage.objects.create(workflow_id=workflow_id, signal=signal, payload=payload, about=about)
    transaction.on_commit(lambda: _send_or_enqueue(workflow_id))
    return message


def _send_or_enqueue(workflow_id: str) -> None:
    if deliver_pending(workflow_id):
        return
    from .tasks import deliver_workflow_messages

    try:
        deliver_workflow_messages.apply_async((workflow_id,), countdown=2)
    except Exception as exc:  # broker down too: the row waits for the sweep
        log.warning("workflow messages for %s left for the sweep: %s", workflow_id, exc, extra={"workflow_id": workflow_id})


def deliver_pending(workflow_id: str) -> bool:
    """Send this workflow's undelivered messages, oldest first; True when
    none is left."""
    pending = list(WorkflowMessage.objects.filter(workflow_id=workflow_id, delivered_at__isnull=True).order_by("created_at", "pk"))
    for message in pending:
        if not _send(message):
            return False
    return True


def deliver_all_pending() -> int:
    """The sweep: every workflow with undelivered messages, each in order."""
    delivered = 0
    workflow_ids = (
        WorkflowMessage.objects.filter(delivered_at__isnull=True).order_by().values_list("workflow_id", flat=True).distinct()
    )
    for workflow_id in list(workflow_ids):
        if deliver_pending(workflow_id):
            delivered += 1
    return delivered


def _send(message: WorkflowMessage) -> bool:
    async def go(client):
        await client.get_workflow_handle(message.workflow_id).signal(message.signal, message.payload)

    WorkflowMessage.objects.filter(pk=message.pk).update(attempts=F("attempts") + 1)
    try:
        temporal_client.call(go)
    except RPCError as exc:
        if exc.status in GONE:
            _mark(message, f"not delivered: the workflow is not running ({exc.status.name})")
            return True
        return _failed(message, exc)
    except (RuntimeError, TimeoutError, OSError) as exc:
        return _failed(message, exc)
    _mark(message, "")
    return True


def _mark(message: WorkflowMessage, note: str) -> None:
    WorkflowMessage.objects.filter(pk=message.pk, delivered_at__isnull=True).update(delivered_at=timezone.now(), last_error=note)


def _failed(message: WorkflowMessage, exc: Exception) -> bool:
    WorkflowMessage.objects.filter(pk=message.pk).update(last_error=f"{type(exc).__name__}: {exc}"[:2000])
    log.warning("signal %s to %s not delivered yet: %s", message.signal, message.workflow_id, exc,
                extra={"workflow_id": message.workflow_id})
    return False
