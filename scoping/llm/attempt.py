"""Which attempt of the recommendation activity this is, how long it may
still run, and how it reports liveness: read from Temporal's activity
context, or defaults for a call outside an activity (tests, the shell)."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

# Stop starting batches this long before Temporal's start-to-close timeout,
# so that the attempt ends by itself (and stores what it has) rather than
# being cut off.
MARGIN_SECONDS = 30.0


@dataclass
class Attempt:
    number: int = 1
    workflow_id: str = ""
    run_id: str = ""
    deadline: float | None = None  # time.monotonic() by which the attempt must end
    heartbeat: Callable[..., None] = field(default=lambda *details: None)


def from_activity() -> Attempt:
    from temporalio import activity

    info = activity.info()
    deadline = None
    if info.start_to_close_timeout:
        elapsed = (datetime.now(timezone.utc) - info.started_time).total_seconds()
        left = info.start_to_close_timeout.total_seconds() - max(elapsed, 0.0) - MARGIN_SECONDS
        deadline = time.monotonic() + max(left, 0.0)
    return Attempt(
        number=info.attempt,
        workflow_id=info.workflow_id or "",
        run_id=info.workflow_run_id or "",
        deadline=deadline,
        heartbeat=activity.heartbeat,
    )
