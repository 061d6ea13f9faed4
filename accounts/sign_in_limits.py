"""Sign-in throttling on top of django-axes (AXES_HANDLER points here).

Only failed sign-ins count, kept in axes' AccessAttempt rows (one per user
name, address and browser; shared by every process through the database):
- a user name is locked after SIGN_IN_FAILURE_LIMIT failures from anywhere;
- an address is locked after SIGN_IN_ADDRESS_FAILURE_LIMIT failures across
  user names (password spraying);
each for SIGN_IN_LOCKOUT seconds after the failure that locked it (later
tries while locked neither count nor extend it, so the time given to the
person stays true). A correct sign-in forgives its user name's failures,
not the address's failures on other names.

Unknown user names are counted and locked exactly like known ones, so the
answer never tells whether an account exists."""
from __future__ import annotations

import ipaddress
from datetime import datetime, timedelta

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Sum
from django.utils import timezone

from .models import SecurityEvent


def client_address(request) -> str | None:
    """The caller's address (AXES_CLIENT_IP_CALLABLE). Behind
    TRUSTED_PROXY_COUNT reverse proxies that each append to X-Forwarded-For,
    it is the entry the outermost trusted proxy wrote: counted from the
    right, so a client cannot choose it by sending the header itself."""
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    if len(hops) < proxies:
        return remote
    candidate = hops[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


class SignInLimits(AxesDatabaseHandler):
    def failures(self, request, credentials=None) -> tuple[int, int]:
        """(failures of this user name, failures from this address) within the lock-out window."""
        recent = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
        username = get_client_username(request, credentials)
        by_name = by_address = 0
        if username is not None:
            by_name = recent.filter(username=username).aggregate(n=Sum("failures_since_start"))["n"] or 0
        if request.axes_ip_address:
            by_address = recent.filter(ip_address=request.axes_ip_address).aggregate(n=Sum("failures_since_start"))["n"] or 0
        return by_name, by_address

    def get_failures(self, request, credentials=None) -> int:
        # Axes compares one number with one limit (AXES_FAILURE_LIMIT, the
        # user-name limit). The address's count is shifted onto that scale,
        # so that the number reaches the limit exactly when either count
        # reaches its own limit.
        by_name, by_address = self.failures(request, credentials)
        return max(by_name, by_address - settings.SIGN_IN_ADDRESS_FAILURE_LIMIT + settings.AXES_FAILURE_LIMIT)

    def locked_until(self, request, credentials=None) -> datetime:
        """When the lock on this request lifts at the latest: the last
        counted failure of each locked count plus the lock-out time."""
        cool_off = get_cool_off(request) or timedelta(0)
        recent = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
        by_name, by_address = self.failures(request, credentials)
        lasts = []
        if by_name >= settings.AXES_FAILURE_LIMIT:
            lasts.append(recent.filter(username=get_client_username(request, credentials)).aggregate(t=Max("attempt_time"))["t"])
        if by_address >= settings.SIGN_IN_ADDRESS_FAILURE_LIMIT:
            lasts.append(recent.filter(ip_address=request.axes_ip_address).aggregate(t=Max("attempt_time"))["t"])
        lasts = [t for t in lasts if t is not None]
        return (max(lasts) if lasts else timezone.now()) + cool_off

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        # True here when the request was refused for a lock already in
        # place: that is no new lock-out.
        already_locked = bool(getattr(request, "axes_locked_out", False))
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is not None and request.axes_locked_out and not already_locked:
            self._record_lockout(request, credentials)

    def _record_lockout(self, request, credentials) -> None:
        by_name, by_address = self.failures(request, credentials)
        reasons = []
        if by_name >= settings.AXES_FAILURE_LIMIT:
            reasons.append(f"user name: {by_name} failed sign-ins")
        if by_address >= settings.SIGN_IN_ADDRESS_FAILURE_LIMIT:
            reasons.append(f"address: {by_address} failed sign-ins across user names")
        SecurityEvent.record(
            SecurityEvent.LOCKOUT,
            username=get_client_username(request, credentials) or "",
            address=request.axes_ip_address,
            detail=f"{'; '.join(reasons)} on {request.axes_path_info}; locked until "
            f"{self.locked_until(request, credentials):%Y-%m-%d %H:%M:%S %Z}",
        )

    def reset_user_attempts(self, request, credentials=None) -> int:
        # After a correct sign-in: forgive that user name's failures only. A
        # right password for one name proves nothing about the other names
        # tried from the same address.
        username = get_client_username(request, credentials)
        if username is None:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count
