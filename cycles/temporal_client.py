"""One Temporal client per process, owned by a background event-loop thread.

Django views are synchronous; they hand coroutines to this loop and wait for
the answer with a deadline. The client is created lazily and re-created
after a fork, because a client must never cross a fork (gunicorn --preload,
Celery prefork)."""
from __future__ import annotations

import asyncio
import os
import threading
from typing import Awaitable, Callable, TypeVar

from django.conf import settings
from temporalio.client import Client

from .temporal_connection import connect

T = TypeVar("T")

_lock = threading.Lock()
_state: dict = {"pid": None, "loop": None, "client": None}


def _loop() -> asyncio.AbstractEventLoop:
    with _lock:
        if _state["pid"] != os.getpid() or _state["loop"] is None:
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="temporal-client", daemon=True)
            thread.start()
            _state.update(pid=os.getpid(), loop=loop, client=None)
        return _state["loop"]


async def _client() -> Client:
    if _state["client"] is None:
        _state["client"] = await connect()
    return _state["client"]


def call(fn: Callable[[Client], Awaitable[T]], timeout: float | None = None) -> T:
    """Run `fn(client)` on the client's loop and wait for its result."""

    async def runner():
        try:
            return await fn(await _client())
        except Exception:
            if asyncio.current_task().cancelling():
                return None  # the caller gave up waiting: nobody reads this error
            raise

    future = asyncio.run_coroutine_threadsafe(runner(), _loop())
    try:
        return future.result(timeout or settings.TEMPORAL_RPC_TIMEOUT)
    except TimeoutError:
        future.cancel()
        raise


def reset() -> None:
    """Forget the client (tests that restart the server, address changes)."""
    with _lock:
        _state["client"] = None
