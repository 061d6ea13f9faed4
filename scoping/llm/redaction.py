"""The API key must never leave the process: not in logs, errors, workflow
history, the audit trail, the ledger or the admin. Everything this package
stores or raises that came from the endpoint goes through `redact` first
(an endpoint may echo the Authorization header in an error body)."""
from __future__ import annotations

MARK = "[redacted]"
MAX_STORED = 200_000


def redact(text: str, secret: str, limit: int = MAX_STORED) -> str:
    if secret and len(secret) >= 4:
        text = text.replace(secret, MARK)
    if len(text) > limit:
        text = text[:limit] + f"… [{len(text) - limit} more characters not kept]"
    return text
