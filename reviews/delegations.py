"""Delegations set by people themselves (out of office) or by admins: the one
service that saves them and writes their history (DelegationChange)."""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from .models import Delegation, DelegationChange


def record(delegation: Delegation, change: str, by) -> DelegationChange:
    return DelegationChange.objects.create(
        delegation_id_ref=delegation.pk,
        change=change,
        delegator_id=delegation.delegator_id,
        delegate_id=delegation.delegate_id,
        starts_at=delegation.starts_at,
        ends_at=delegation.ends_at,
        reason=delegation.reason,
        changed_by=by,
    )


def save(delegation: Delegation, by) -> Delegation:
    """Create or change a delegation (already validated) and record it."""
    creating = delegation.pk is None
    with transaction.atomic():
        if creating:
            delegation.created_by = by
        delegation.save()
        record(delegation, DelegationChange.Change.CREATED if creating else DelegationChange.Change.CHANGED, by)
    return delegation


def end_now(delegation: Delegation, by) -> Delegation:
    """Stop a delegation at once (back early); one in the future is deleted."""
    now = timezone.now()
    with transaction.atomic():
        if delegation.starts_at >= now:
            record(delegation, DelegationChange.Change.DELETED, by)
            delegation.delete()
            return delegation
        delegation.ends_at = now
        delegation.save(update_fields=["ends_at"])
        record(delegation, DelegationChange.Change.ENDED, by)
    return delegation


def delete(delegation: Delegation, by) -> None:
    with transaction.atomic():
        record(delegation, DelegationChange.Change.DELETED, by)
        delegation.delete()
