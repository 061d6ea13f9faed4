"""Submitting a person's decision to the workflow: the one service behind the
HTML forms and the REST API (delivery itself is in reviews.delivery).

Each submission is stored first (idempotency record and outbox), then sent to
the workflow as an Update whose validator accepts or refuses it at once. If
Temporal cannot be reached the stored submission is delivered later by
Celery, exactly once (the Update id is the submission's id)."""
from __future__ import annotations

import time
import uuid

from django.conf import settings
from django.db import IntegrityError, transaction

from cycles.models import CycleReport

from . import audit, separation_of_duties
from .delivery import Answer, deliver, pending_answer
from .human_tasks import active_task, acting_for
from .models import AuditEvent, InboundSubmission


KEY_REUSED = "idempotency_key_reused"


def clean_key(key: str | None) -> str:
    """The key as stored; "" when none was given."""
    if key_problem(key):
        return ""  # unusable (control characters): as if none was given
    return (key or "").strip()[:200]


def key_problem(key: str | None) -> str | None:
    """Why an Idempotency-Key header cannot be used, or None."""
    if key is None:
        return None
    stripped = key.strip()
    if not 0 < len(stripped) <= 200:
        return "Idempotency-Key must be 1 to 200 characters"
    if not stripped.isprintable():
        # NUL and other control characters: PostgreSQL cannot even store NUL.
        return "Idempotency-Key must contain printable characters only"
    return None


def submission_digest(cycle_report, kind: str, payload) -> str:
    """What makes two submissions "the same" for an idempotency key."""
    if not isinstance(payload, dict):
        payload = {"unparsed": payload}
    return audit.payload_hash({"kind": kind, "cycle_report": cycle_report.pk, **payload})


# A refusal replayed for its key must be final: a payload the step refuses
# (400) stays refused. "Not awaiting this" (409) and "not the assignee" or a
# separation-of-duties refusal from the workflow (403) can pass (the next
# step opens a moment later, a reassignment reaches the workflow), so the
# same request with the same key is tried again rather than frozen.
FINAL_REFUSALS = frozenset({400})


def _retryable(inbound: InboundSubmission) -> bool:
    return inbound.state == InboundSubmission.State.REFUSED and inbound.response_status not in FINAL_REFUSALS


def submit(cycle_report: CycleReport, kind: str, user, payload: dict, idempotency_key: str | None) -> Answer:
    """Authorize, store, deliver. `payload` is already validated in shape."""
    key = clean_key(idempotency_key) or str(uuid.uuid4())
    digest = submission_digest(cycle_report, kind, payload)
    earlier = InboundSubmission.objects.filter(submitted_by=user, idempotency_key=key).first()
    if earlier is not None and (earlier.payload_hash != digest or not _retryable(earlier)):
        return _replay(earlier, digest)
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
        separation_of_duties.check(cycle_report, kind, user, on_behalf_of)
    except separation_of_duties.SeparationOfDuties as refusal:
        return _refuse_early(cycle_report, kind, user, digest, 403, str(refusal))
    if earlier is not None:
        return _try_again(earlier, on_behalf_of, digest)
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


def _try_again(earlier: InboundSubmission, on_behalf_of, digest: str) -> Answer:
    """The same submission under the same key after a refusal that could pass:
    the stored row is delivered again (its id stays the Update id: a refused
    Update leaves nothing in the workflow's history, so the id is free)."""
    reopened = InboundSubmission.objects.filter(pk=earlier.pk, state=InboundSubmission.State.REFUSED).update(
        state=InboundSubmission.State.PENDING, response_status=None, response=None, resolved_at=None,
        on_behalf_of=on_behalf_of, last_error="",
    )
    if not reopened:
        # A concurrent repeat reopened it first: answer as that one is answered.
        earlier.refresh_from_db()
        return _replay(earlier, digest)
    earlier.refresh_from_db()
    return deliver(earlier)


def has_previous(user, key: str | None) -> bool:
    """Whether this key already has an answer to replay (a final one, or a
    delivery under way); a passing refusal does not count."""
    key = clean_key(key)
    if not key:
        return False
    earlier = InboundSubmission.objects.filter(submitted_by=user, idempotency_key=key).first()
    return earlier is not None and not _retryable(earlier)


def previous_answer(user, key: str | None, cycle_report, kind: str, payload) -> Answer | None:
    """The answer first given to this user's submission with this key.

    Given the repeat's report, kind and payload, a key reused for a different
    submission (another payload, report or step) is answered 409 rather than
    with the first answer, which would claim the new one was applied."""
    key = clean_key(key)
    if not key:
        return None
    previous = InboundSubmission.objects.filter(submitted_by=user, idempotency_key=key).first()
    if previous is None:
        return None
    digest = submission_digest(cycle_report, kind, payload)
    if previous.payload_hash == digest and _retryable(previous):
        return None  # not final: the caller submits it again
    return _replay(previous, digest)


def _replay(previous: InboundSubmission, digest: str) -> Answer:
    if previous.payload_hash != digest:
        return Answer(
            409,
            {
                "detail": "This Idempotency-Key was already used for a different submission; "
                "use a new key for a new or corrected submission.",
                "code": KEY_REUSED,
            },
        )
    previous = _await_first_delivery(previous)
    if previous.state == InboundSubmission.State.PENDING:
        return pending_answer(previous)
    return Answer(previous.response_status, previous.response)


def _await_first_delivery(previous: InboundSubmission) -> InboundSubmission:
    """A double click sends the same key twice at once: the second request
    finds the first one's row still being delivered. Wait (bounded) for that
    answer so both requests get the same one (the browser shows the second).
    A row kept pending because Temporal was unreachable has last_error set
    and is answered at once."""
    deadline = time.monotonic() + settings.TEMPORAL_RPC_TIMEOUT + 1
    while previous.state == InboundSubmission.State.PENDING and not previous.last_error:
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
        previous.refresh_from_db()
    return previous


def refuse_attempt(cycle_report, kind: str, user, status: int, reason: str, payload=None) -> Answer:
    """Record an attempt refused before its payload was even read (not the
    assignee, nothing awaited): the audit trail keeps every refusal."""
    digest = submission_digest(cycle_report, kind, payload) if payload else ""
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
