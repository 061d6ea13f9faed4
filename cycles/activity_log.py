"""One log line per activity execution (outcome and duration), so that an
operator can follow a report through the worker's logs. The JSON formatter's
filter (config.log_context) adds the workflow id from the activity context."""
from __future__ import annotations

import logging
import time
from typing import Any

from temporalio import activity
from temporalio.worker import ActivityInboundInterceptor, ExecuteActivityInput, Interceptor

log = logging.getLogger("cycles.activities")


class _LogActivity(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        info = activity.info()
        started = time.monotonic()
        try:
            result = await self.next.execute_activity(input)
        except BaseException as exc:
            log.warning(
                "activity %s failed (attempt %d): %s",
                info.activity_type,
                info.attempt,
                exc.__class__.__name__,
                extra={"duration_ms": round((time.monotonic() - started) * 1000, 1)},
            )
            raise
        log.info(
            "activity %s completed",
            info.activity_type,
            extra={"duration_ms": round((time.monotonic() - started) * 1000, 1), "attempt": info.attempt},
        )
        return result


class ActivityLogInterceptor(Interceptor):
    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _LogActivity(next)
