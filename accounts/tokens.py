"""API tokens (django-rest-knox): stored hashed, each with an expiry
(API_TOKEN_TTL), revoked by their owner, an admin, a password change or a
deactivated account. Every revocation writes a SecurityEvent."""
from __future__ import annotations

from collections import defaultdict

from django.db import transaction
from django.utils import timezone
from knox.models import AuthToken

from .models import SecurityEvent


def issue(user) -> tuple[AuthToken, str]:
    """A new token for `user` (the secret is only ever in the return value)."""
    # Expired tokens are refused anyway; dropping the owner's old ones here
    # keeps the table from growing with scripts that sign in every run.
    AuthToken.objects.filter(user=user, expiry__lte=timezone.now()).delete()
    return AuthToken.objects.create(user=user)


def active(user):
    return AuthToken.objects.filter(user=user, expiry__gt=timezone.now()).order_by("-created")


def revoke(tokens, *, reason: str, actor=None) -> int:
    """Delete the tokens of a queryset, with one SecurityEvent per owner;
    returns how many went."""
    by_owner = defaultdict(list)
    for token in tokens.select_related("user"):
        by_owner[token.user].append(token)
    revoked = 0
    with transaction.atomic():
        for owner, owned in by_owner.items():
            count, _ = AuthToken.objects.filter(digest__in=[t.digest for t in owned]).delete()
            if not count:
                continue
            revoked += count
            SecurityEvent.record(
                SecurityEvent.TOKENS_REVOKED,
                username=owner.get_username(),
                actor=actor,
                detail=f"{count} token(s) {', '.join(sorted(t.token_key[:8] + '…' for t in owned))}: {reason}",
            )
    return revoked
