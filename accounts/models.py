from django.conf import settings
from django.db import models
from django.utils import timezone


class SecurityEvent(models.Model):
    """What happened to sign-in and API tokens, for admins to read: a
    lock-out, an unlock and each revocation of tokens. Written by the code
    that does it, never edited (read-only in the admin). Kept apart from
    reviews.AuditEvent, which belongs to a cycle and a report."""

    LOCKOUT = "lockout"
    UNLOCK = "unlock"
    TOKENS_REVOKED = "tokens_revoked"
    KINDS = [
        (LOCKOUT, "sign-in locked out"),
        (UNLOCK, "sign-in unlocked"),
        (TOKENS_REVOKED, "API tokens revoked"),
    ]

    at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=20, choices=KINDS)
    # As typed at sign-in for lock-outs (which may name no user), else the
    # owner of the revoked tokens.
    username = models.CharField(max_length=255, blank=True)
    address = models.GenericIPAddressField(null=True, blank=True)
    # Who unlocked or revoked; empty when the system did (a lock-out, a
    # password change, a deactivated account).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    detail = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()} {self.username or self.address or ''}".strip()

    @classmethod
    def record(cls, kind: str, *, username: str = "", address: str | None = None, actor=None, detail: str = ""):
        return cls.objects.create(
            kind=kind, username=(username or "")[:255], address=address or None, actor=actor, detail=detail[:500]
        )
