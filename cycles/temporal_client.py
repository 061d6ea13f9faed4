"""One Temporal client per process, owned by a background event-loop thread,
behind a circuit breaker shared by the process's threads.

Django views are synchronous; they hand coroutines to this loop and wait for
the answer with a deadline. The client is created lazily and re-created
after a fork, because a client must never cross a fork (gunicorn --preload,
Celery prefork).

While Temporal is unreachable, every call would hold its web thread for the
connect timeout and the SDK's retries; a few people at once would then block
the web tier. So the first call that finds Temporal unreachable opens the
breaker: later calls raise TemporalUnreachable at once (the callers store the
submission and answer 202, or read the database mirror), and a probe on the
client's loop asks Temporal for its health every TEMPORAL_PROBE_EVERY
seconds, closing the breaker as soon as it answers. Redelivery (Celery, the
sweep) goes through the same breaker, so it reaches Temporal again within a
probe interval of its return."""
from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from datetime import timedelta
from typing import Awaitable, Callable, TypeVar

from django.conf import settings
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from .temporal_connection import connect, fail_fast_options

T = TypeVar("T")

log = logging.getLogger(__name__)


class TemporalUnreachable(ConnectionError):
    """Temporal did not answer (or did not answer recently, while the breaker
    is open). A ConnectionError, hence an OSError: callers that treat OSError
    as "unreachable" handle it with no change."""


def _is_unreachable(exc: BaseException) -> bool:
    if isinstance(exc, RPCError):
        return exc.status == RPCStatusCode.UNAVAILABLE
    return isinstance(exc, OSError)


class Breaker:
    """Open while Temporal is unreachable. Shared by the process's threads;
    its probe runs on the client's loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self._loop = loop
        self._lock = threading.Lock()
        self.opened_at: float | None = None
        self.reason = ""
        self._probe = None  # concurrent.futures.Future of the running probe

    @property
    def is_open(self) -> bool:
        return self.opened_at is not None

    def check(self) -> None:
        """Raise at once while open (and make sure a probe is running)."""
        with self._lock:
            if self.opened_at is None:
                return
            self._ensure_probe()
            since = time.monotonic() - self.opened_at
            reason = self.reason
        raise TemporalUnreachable(
            f"Temporal is unreachable (for {since:.1f}s; probing every {settings.TEMPORAL_PROBE_EVERY:g}s): {reason}"
        )

    def trip(self, exc: BaseException) -> None:
        with self._lock:
            self.reason = f"{type(exc).__name__}: {exc}"[:500]
            if self.opened_at is None:
                self.opened_at = time.monotonic()
                log.warning(
                    "Temporal unreachable (%s): answering without it until it is back, probing every %gs",
                    self.reason,
                    settings.TEMPORAL_PROBE_EVERY,
                )
            self._ensure_probe()

    def close(self) -> None:
        with self._lock:
            if self.opened_at is None:
                return
            log.warning("Temporal answers again after %.1fs", time.monotonic() - self.opened_at)
            self.opened_at, self.reason, self._probe = None, "", None

    def suspect(self) -> None:
        """A call outlived its deadline: slow, or unreachable? One quick
        health check on the loop decides, without holding the caller."""
        if not self.is_open:
            asyncio.run_coroutine_threadsafe(self._confirm(), self._loop)

    def _ensure_probe(self) -> None:
        if self._probe is None or self._probe.done():
            self._probe = asyncio.run_coroutine_threadsafe(self._probe_until_back(), self._loop)

    async def _healthy(self) -> bool:
        limit = settings.TEMPORAL_CONNECT_TIMEOUT
        try:
            client = await _client()
            return bool(await client.service_client.check_health(timeout=timedelta(seconds=limit)))
        except Exception:
            return False

    async def _confirm(self) -> None:
        if not await self._healthy():
            self.trip(TemporalUnreachable("a call timed out and the health check failed"))

    async def _probe_until_back(self) -> None:
        # The half-open state: one probe at a time, on the client's loop.
        while self.is_open and _state["breaker"] is self:
            await asyncio.sleep(settings.TEMPORAL_PROBE_EVERY)
            if await self._healthy():
                self.close()


_lock = threading.Lock()
_state: dict = {"pid": None, "loop": None, "client": None, "breaker": None, "connecting": None}


def _loop() -> asyncio.AbstractEventLoop:
    with _lock:
        if _state["pid"] != os.getpid() or _state["loop"] is None:
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="temporal-client", daemon=True)
            thread.start()
            _state.update(pid=os.getpid(), loop=loop, client=None, breaker=Breaker(loop), connecting=None)
        return _state["loop"]


def breaker() -> Breaker:
    _loop()
    return _state["breaker"]


async def _client() -> Client:
    if _state["client"] is not None:
        return _state["client"]
    if _state["connecting"] is None:
        _state["connecting"] = asyncio.Lock()
    async with _state["connecting"]:  # one connection attempt at a time
        if _state["client"] is None:
            limit = settings.TEMPORAL_CONNECT_TIMEOUT
            try:
                # The SDK's connect timeout bounds the TCP connection; this
                # also bounds a server that accepts and never answers.
                _state["client"] = await asyncio.wait_for(connect(**fail_fast_options()), 2 * limit + 1)
            except (asyncio.TimeoutError, RuntimeError, OSError, RPCError) as exc:
                raise TemporalUnreachable(f"cannot connect: {exc or type(exc).__name__}") from exc
    return _state["client"]


def call(fn: Callable[[Client], Awaitable[T]], timeout: float | None = None) -> T:
    """Run `fn(client)` on the client's loop and wait for its result.

    Raises TemporalUnreachable at once while the breaker is open."""
    loop = _loop()
    guard = _state["breaker"]
    guard.check()

    async def runner():
        try:
            return await fn(await _client())
        except Exception:
            if asyncio.current_task().cancelling():
                return None  # the caller gave up waiting: nobody reads this error
            raise

    future = asyncio.run_coroutine_threadsafe(runner(), loop)
    try:
        return future.result(timeout or settings.TEMPORAL_RPC_TIMEOUT)
    except TimeoutError:
        future.cancel()
        guard.suspect()
        raise
    except Exception as exc:
        if _is_unreachable(exc):
            guard.trip(exc)
        raise


def reset() -> None:
    """Forget the client and close the breaker (tests that restart the
    server, address changes)."""
    with _lock:
        _state["client"] = None
        if _state["loop"] is not None and _state["pid"] == os.getpid():
            _state["breaker"] = Breaker(_state["loop"])
