"""Lifting a sign-in lock by hand (admin action, `manage.py unlock_sign_in`)."""
from __future__ import annotations

from axes.models import AccessAttempt

from .models import SecurityEvent


def unlock(*, username: str | None = None, address: str | None = None, actor=None, how: str = "") -> int:
    """Forget the failed sign-ins of a user name and/or an address, which
    lifts their lock; returns how many attempt rows went. Writes one
    SecurityEvent per user name or address."""
    removed = 0
    suffix = f" ({how})" if how else ""
    if username is not None:
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        removed += count
        SecurityEvent.record(SecurityEvent.UNLOCK, username=username, actor=actor, detail=f"user name unlocked{suffix}")
    if address is not None:
        count, _ = AccessAttempt.objects.filter(ip_address=address).delete()
        removed += count
        SecurityEvent.record(SecurityEvent.UNLOCK, address=address, actor=actor, detail=f"address unlocked{suffix}")
    return removed
