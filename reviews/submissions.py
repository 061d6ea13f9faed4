"""Submitting a person's decision to the workflow: the one service behind the
HTML forms and the REST API.

Each submission is stored first (idempotency record and outbox), then sent to
the workflow as an Update whose validator accepts or refuses it at once. If
Temporal cannot be reached the stored submission is delivered later by
Celery, exactly once (the Update id is the submission's id)."""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from cycles import temporal_client
from cycles import workflow_types as t
from cycles.models import CycleReport

from . import audit
from .human_tasks import active_task, acting_for
from .models import AuditEvent, InboundSubmission

log = logging.getLogger(__name__)

UPDATE_FOR_KIND = {
    t.TESTER_REVIEW: "submit_tester_review",
    t.REPORT_OWNER_APPROVAL: "submit_report_owner_approval",
}
STATUS_FOR_ERROR = {
    t.ERR_NOT_AWAITING: 409,
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


def _message(inbound: InboundSubmission):
    payload = inbound.payload
    common = dict(
        submission_id=str(inbound.id),
        submitted_by=inbound.submitted_by.get_username(),
        on_behalf_of=inbound.on_behalf_of.get_username(),
    )
    if inbound.kind == t.TESTER_REVIEW:
        return t.TesterReviewSubmission(
            **common, decisions=[t.Decision(**d) for d in payload["decisions"]]
        )
    return t.OwnerApprovalSubmission(**common, approved=payload["approved"], comments=payload["comments"])


def submit(cycle_report: CycleReport, kind: str, user, payload: dict, idempotency_key: str | None) -> Answer:
    """Authorize, store, deliver. `payload` is already validated in shape."""
    key = (idempotency_key or "").strip()[:200] or str(uuid.uuid4())
    digest = audit.payload_hash({"kind": kind, "cycle_report": cycle_report.pk, **payload})
    previous = InboundSubmission.objects.filter(submitted_by=user, idempotency_key=key).first()
    if previous:
        return _replay(previous, digest)
    task = active_task(cycle_report, kind)
    if task is None:
        return _refuse_early(cycle_report, kind, user, digest, 409, f"this report is not awaiting a {kind.replace('_', ' ')}")
    on_behalf_of = acting_for(user, task)
    if on_behalf_of is None:
        return _refuse_early(
            cycle_report, kind, user, digest, 403,
            f"this task is assigned to {task.assignee.get_username()}; you are not the assignee or their delegate",
        )
    try:
        with transaction.atomic():
            inbound = InboundSubmission.objects.create(
                idempotency_key=key,
                cycle_report=cycle_report,
                kind=kind,
                submitted_by=user,
                on_behalf_of=on_behalf_of,
                payload=payload,
                payload_hash=digest,
            )
    except IntegrityError:
        # The same key raced in from a double click: answer as the first.
        previous = InboundSubmission.objects.get(submitted_by=user, idempotency_key=key)
        return _replay(previous, digest)
    return deliver(inbound)


def previous_answer(user, key: str | None) -> Answer | None:
    """The answer first given to this user's submission with this key."""
    if not key or not key.strip():
        return None
    previous = InboundSubmission.objects.filter(submitted_by=user, idempotency_key=key.strip()[:200]).first()
    if previous is None:
        return None
    if previous.state == InboundSubmission.State.PENDING:
        return _pending_answer(previous)
    return Answer(previous.response_status, previous.response)


def _replay(previous: InboundSubmission, digest: str) -> Answer:
    if previous.payload_hash != digest:
        return Answer(409, {"detail": "this Idempotency-Key was already used for a different submission"})
    if previous.state == InboundSubmission.State.PENDING:
        return _pending_answer(previous)
    return Answer(previous.response_status, previous.response)


def refuse_attempt(cycle_report, kind: str, user, status: int, reason: str, payload=None) -> Answer:
    """Record an attempt refused before its payload was even read (not the
    assignee, nothing awaited): the audit trail keeps every refusal."""
    digest = audit.payload_hash({"kind": kind, "cycle_report": cycle_report.pk, "payload": payload}) if payload else ""
    return _refuse_early(cycle_report, kind, user, digest, status, reason)


def _refuse_early(cycle_report, kind, user, digest, status, reason) -> Answer:
    audit.record(
        AuditEvent.Event.SUBMISSION_REFUSED,
        cycle_report,
        actor=user,
        digest=digest,
        detail=f"{kind} refused: {reason}",
    )
    return Answer(status, {"detail": reason})


def _pending_answer(inbound: InboundSubmission) -> Answer:
    return Answer(
        202,
        {
            "pending_delivery": True,
            "submission_id": str(inbound.id),
            "detail": "Saved. Temporal is unreachable right now; your submission will be applied as soon as it is back.",
        },
    )


def deliver(inbound: InboundSubmission, enqueue: bool = True) -> Answer:
    """Send a stored submission to its workflow and record the answer."""
    message = _message(inbound)
    update = UPDATE_FOR_KIND[inbound.kind]
    cycle_report = inbound.cycle_report

    async def go(client):
        handle = client.get_workflow_handle(cycle_report.expected_workflow_id)
        return await handle.execute_update(update, message, id=str(inbound.id), result_type=dict)

    InboundSubmission.objects.filter(pk=inbound.pk).update(attempts=inbound.attempts + 1)
    try:
        result = temporal_client.call(go)
    except WorkflowUpdateFailedError as exc:
        cause = exc.cause
        if isinstance(cause, ApplicationError):
            return _resolve(inbound, STATUS_FOR_ERROR.get(cause.type, 400), {"detail": cause.message}, refused=True)
        return _resolve(inbound, 409, {"detail": str(cause or exc)}, refused=True)
    except RPCError as exc:
        if exc.status in TRANSIENT:
            return _keep_pending(inbound, exc, enqueue)
        # NOT_FOUND or FAILED_PRECONDITION: no running workflow awaits this.
        return _resolve(inbound, 409, {"detail": "this report's workflow is not awaiting this action"}, refused=True)
    except (RuntimeError, TimeoutError, OSError) as exc:
        return _keep_pending(inbound, exc, enqueue)
    if result.get("status") != "accepted":
        return _resolve(inbound, 400, {"detail": result.get("reason") or "refused"}, refused=True)
    body = {"accepted": True, "version": result.get("version"), "submission_id": str(inbound.id)}
    return _resolve(inbound, 200, body, refused=False)


def _resolve(inbound: InboundSubmission, status: int, body: dict, refused: bool) -> Answer:
    state = InboundSubmission.State.REFUSED if refused else InboundSubmission.State.ACCEPTED
    with transaction.atomic():
        changed = InboundSubmission.objects.filter(pk=inbound.pk, state=InboundSubmission.State.PENDING).update(
            state=state, response_status=status, response=body, resolved_at=timezone.now(), last_error=""
        )
        if changed and refused:
            audit.record(
                AuditEvent.Event.SUBMISSION_REFUSED,
                inbound.cycle_report,
                actor=inbound.submitted_by,
                on_behalf_of=inbound.on_behalf_of,
                digest=inbound.payload_hash,
                detail=f"{inbound.kind} refused ({status}): {body.get('detail', '')}",
                dedupe_key=f"inbound:{inbound.pk}:refused",
            )
    if not changed:
        # Someone else (the redelivery task) resolved it first: theirs stands.
        inbound.refresh_from_db()
        if inbound.state != InboundSubmission.State.PENDING:
            return Answer(inbound.response_status, inbound.response)
    return Answer(status, body)


def _keep_pending(inbound: InboundSubmission, exc: Exception, enqueue: bool) -> Answer:
    log.warning("submission %s stored for later delivery: %s", inbound.pk, exc)
    with transaction.atomic():
        InboundSubmission.objects.filter(pk=inbound.pk).update(last_error=str(exc)[:2000])
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
        _enqueue_redelivery(inbound)
    return _pending_answer(inbound)


def _enqueue_redelivery(inbound: InboundSubmission) -> None:
    from .tasks import deliver_submission

    try:
        deliver_submission.apply_async((str(inbound.pk),), countdown=2)
    except Exception as exc:  # broker down too: the periodic sweep delivers it
        log.warning("could not enqueue redelivery of %s: %s", inbound.pk, exc)


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


def redeliver_all_pending() -> int:
    delivered = 0
    for pk in InboundSubmission.objects.filter(state=InboundSubmission.State.PENDING).values_list("pk", flat=True):
        if redeliver(str(pk)) != "pending":
            delivered += 1
    return delivered
