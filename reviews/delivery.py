"""Delivering a stored submission to its workflow: the Update with its
validator, the answer recorded once, and redelivery (by the Celery task and
the sweep) while Temporal is unreachable. Safe to run from several places at
once: the Update id is the stored submission's id, so Temporal applies it
once and answers every sender alike."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from temporalio.client import RPCTimeoutOrCancelledError, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from cycles import temporal_client
from cycles import workflow_types as t
from cycles.registry import registry

from . import audit, notifications, workflow_messages
from .models import AuditEvent, HumanTask, InboundSubmission

log = logging.getLogger(__name__)

STATUS_FOR_ERROR = {
    t.ERR_NOT_AWAITING: 409,
    t.ERR_ALREADY_RECEIVED: 409,
    t.ERR_NOT_ASSIGNEE: 403,
    t.ERR_SEPARATION_OF_DUTIES: 403,
    t.ERR_INVALID: 400,
}
# Temporal answers that mean "try again later", not "no".
TRANSIENT = {RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED, RPCStatusCode.UNKNOWN, RPCStatusCode.INTERNAL, RPCStatusCode.RESOURCE_EXHAUSTED}


@dataclass
class Answer:
    status: int
    body: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status < 300


def _message(inbound: InboundSubmission) -> dict:
    """The Update's argument: who sent it, for whom, under which id, and the
    payload the step's serializer or form produced. Sent as JSON; the
    workflow reads it as the step's message dataclass."""
    return {
        **inbound.payload,
        "submission_id": str(inbound.id),
        "submitted_by": inbound.submitted_by.get_username(),
        "on_behalf_of": inbound.on_behalf_of.get_username(),
    }


def pending_answer(inbound: InboundSubmission) -> Answer:
    return Answer(
        202,
        {
            "pending_delivery": True,
            "submission_id": str(inbound.id),
            "detail": "Saved. Temporal is unreachable right now; your submission will be applied as soon as it is back.",
        },
    )


def deliver(inbound: InboundSubmission, enqueue: bool = True) -> Answer:
    """Send a stored submission to its workflow and record the answer.

    Safe to run more than once, from several places at the same time (the
    request, the redelivery task, the sweep): the Update id is the inbound's
    id, so Temporal applies it once and answers every sender alike."""
    message = _message(inbound)
    step = registry.step(inbound.kind)
    cycle_report = inbound.cycle_report
    # A reassignment not yet delivered goes first: the new assignee's work
    # would be refused by a workflow that still names the old one.
    workflow_messages.deliver_pending(cycle_report.expected_workflow_id)

    async def go(client):
        handle = client.get_workflow_handle(cycle_report.expected_workflow_id)
        return await handle.execute_update(step.spec.update, message, id=str(inbound.id), result_type=dict)

    InboundSubmission.objects.filter(pk=inbound.pk).update(attempts=F("attempts") + 1)
    try:
        result = _while_task_opens(inbound, lambda: temporal_client.call(go))
    except WorkflowUpdateFailedError as exc:
        cause = exc.cause
        if isinstance(cause, ApplicationError):
            return _refuse(inbound, STATUS_FOR_ERROR.get(cause.type, 400), cause.message)
        return _refuse(inbound, 409, str(cause or exc))
    except RPCTimeoutOrCancelledError as exc:
        # The server took it but gave no answer in time (no worker running,
        # or the connection dropped): it may yet apply it; a redelivery with
        # the same id then only fetches the answer.
        return _keep_pending(inbound, exc, enqueue)
    except RPCError as exc:
        if exc.status in TRANSIENT:
            return _keep_pending(inbound, exc, enqueue)
        # NOT_FOUND or FAILED_PRECONDITION: no running workflow awaits this.
        return _refuse(inbound, 409, "this report's workflow is not awaiting this action")
    except (RuntimeError, TimeoutError, OSError) as exc:
        return _keep_pending(inbound, exc, enqueue)
    if result.get("status") != "accepted":
        return _refuse(inbound, 400, result.get("reason") or "refused")
    body = {"accepted": True, "version": result.get("version"), "submission_id": str(inbound.id)}
    body.update({name: result.get(name) for name in step.answer_fields})
    return _resolve(inbound, 200, body, refused=False)


def _while_task_opens(inbound: InboundSubmission, send):
    """Send, and send again while the step's task is open in the database
    but its workflow does not await it yet.

    The task-opening activity commits the task (and the person sees it in
    their inbox) a moment before the workflow, on its next workflow task,
    starts awaiting it; a person or script quick enough lands in between
    and would be told "not awaiting". Up to TASK_OPENING_GRACE seconds, the
    Update is re-sent under the same id (a refused Update leaves nothing
    behind) until the workflow awaits it."""
    deadline = time.monotonic() + settings.TASK_OPENING_GRACE
    pause = 0.02
    while True:
        try:
            return send()
        except WorkflowUpdateFailedError as exc:
            cause = exc.cause
            opening = isinstance(cause, ApplicationError) and cause.type == t.ERR_NOT_AWAITING
            if not opening or time.monotonic() + pause > deadline or not _task_is_open(inbound):
                raise
        if pause == 0.02:
            log.info("submission %s: its task is open but the workflow does not await it yet; re-sending", inbound.pk)
        time.sleep(pause)
        pause = min(pause * 2, 0.2)


def _task_is_open(inbound: InboundSubmission) -> bool:
    return HumanTask.objects.filter(
        cycle_report_id=inbound.cycle_report_id, kind=inbound.kind, state__in=HumanTask.ACTIVE_STATES
    ).exists()


def _refuse(inbound: InboundSubmission, status: int, detail: str) -> Answer:
    # An earlier attempt may have been applied with its answer lost (a
    # timeout, then the workflow moved on or finished): the database,
    # keyed by the message id, says whether it was.
    version = _applied_version(inbound)
    if version is not None:
        body = {"accepted": True, "version": version, "submission_id": str(inbound.id)}
        return _resolve(inbound, 200, body, refused=False)
    return _resolve(inbound, status, {"detail": detail}, refused=True)


def _applied_version(inbound: InboundSubmission) -> int | None:
    return registry.step(inbound.kind).applied_version(str(inbound.id))


def _resolve(inbound: InboundSubmission, status: int, body: dict, refused: bool) -> Answer:
    state = InboundSubmission.State.REFUSED if refused else InboundSubmission.State.ACCEPTED
    with transaction.atomic():
        changed = InboundSubmission.objects.filter(pk=inbound.pk, state=InboundSubmission.State.PENDING).update(
            state=state, response_status=status, response=body, resolved_at=timezone.now(), last_error=""
        )
        if changed and refused:
            # The person was told "saved, will be applied": a refusal now is
            # news to them, so the timeline says so and they get an e-mail.
            late = _was_answered_pending(inbound)
            what = inbound.label.lower()
            detail = (
                f"{what} saved while the workflow service was unreachable was refused on delivery ({status}): "
                if late
                else f"{inbound.kind} refused ({status}): "
            ) + body.get("detail", "")
            recorded = audit.record(
                AuditEvent.Event.SUBMISSION_REFUSED,
                inbound.cycle_report,
                actor=inbound.submitted_by,
                on_behalf_of=inbound.on_behalf_of,
                digest=inbound.payload_hash,
                detail=detail,
                dedupe_key=f"inbound:{inbound.pk}:refused",
            )
            # Told once, even when the person retries it under its key.
            if late and recorded is not None:
                notifications.delivery_refused(inbound, body.get("detail", ""))
    if not changed:
        # Someone else (the redelivery task) resolved it first: theirs stands.
        inbound.refresh_from_db()
        if inbound.state != InboundSubmission.State.PENDING:
            return Answer(inbound.response_status, inbound.response)
    return Answer(status, body)


def _was_answered_pending(inbound: InboundSubmission) -> bool:
    return AuditEvent.objects.filter(dedupe_key=f"inbound:{inbound.pk}:pending").exists()


def _keep_pending(inbound: InboundSubmission, exc: Exception, enqueue: bool) -> Answer:
    # Also logged from Celery's redelivery, where no request names the workflow.
    log.warning(
        "submission %s stored for later delivery: %s",
        inbound.pk,
        exc,
        extra={"workflow_id": inbound.cycle_report.expected_workflow_id},
    )
    with transaction.atomic():
        InboundSubmission.objects.filter(pk=inbound.pk).update(last_error=f"{type(exc).__name__}: {exc}"[:2000])
        audit.record(
            AuditEvent.Event.SUBMISSION_PENDING,
            inbound.cycle_report,
            actor=inbound.submitted_by,
            on_behalf_of=inbound.on_behalf_of,
            digest=inbound.payload_hash,
            detail=f"{inbound.kind} stored; Temporal unreachable",
            dedupe_key=f"inbound:{inbound.pk}:pending",
        )
    if enqueue:
        pk = str(inbound.pk)
        transaction.on_commit(lambda: _enqueue_redelivery(pk))
    return pending_answer(inbound)


def _enqueue_redelivery(inbound_id: str) -> None:
    from .tasks import deliver_submission

    if deliver_submission.app.conf.task_always_eager:
        # Eager mode has no delay: retrying in the request would hold it
        # until Temporal is back. The sweep delivers it instead.
        log.warning("submission %s left for the redelivery sweep (Celery runs eagerly)", inbound_id)
        return
    try:
        deliver_submission.apply_async((inbound_id,), countdown=2)
    except Exception as exc:  # broker down too: the row is the outbox, the sweep delivers it
        log.warning("could not enqueue redelivery of %s: %s", inbound_id, exc)


def redeliver(inbound_id: str) -> str:
    inbound = (
        InboundSubmission.objects.select_related("cycle_report", "submitted_by", "on_behalf_of")
        .filter(pk=inbound_id)
        .first()
    )
    if inbound is None or inbound.state != InboundSubmission.State.PENDING:
        return inbound.state if inbound else "missing"
    answer = deliver(inbound, enqueue=False)
    if answer.status == 202:
        return "pending"
    return "accepted" if answer.ok else "refused"


def redeliver_all_pending(give_up_after: int = 3) -> int:
    """Oldest first, so that a person's earlier submission is applied before
    a later one for the same report; a report whose submission stays pending
    keeps its later ones back. Several in a row staying pending means
    Temporal is still unreachable: stop rather than wait out each timeout
    (the next sweep tries again)."""
    delivered, in_a_row = 0, 0
    held_back: set[int] = set()
    pending = InboundSubmission.objects.filter(state=InboundSubmission.State.PENDING).order_by("created_at", "pk")
    for pk, cycle_report_id in list(pending.values_list("pk", "cycle_report_id")):
        if cycle_report_id in held_back:
            continue
        if redeliver(str(pk)) == "pending":
            held_back.add(cycle_report_id)
            in_a_row += 1
            if in_a_row >= give_up_after:
                break
            continue
        delivered, in_a_row = delivered + 1, 0
    return delivered
