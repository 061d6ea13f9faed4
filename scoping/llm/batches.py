"""Asking the model batch by batch.

`ask` handles one batch in a worker thread, touching no database: it asks
once, keeps the valid entries, asks once more for the attributes that were
missing or invalid, and gives up on those still unusable (their fallback
reason says why). `run` keeps at most LLM_MAX_CONCURRENCY batches in flight
and hands each finished batch to the caller in the activity's own thread,
which stores it and heartbeats, so that a retried attempt resumes after the
last stored batch."""
from __future__ import annotations

import logging
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from ..recommenders import Suggestion
from . import answers, prompt
from .client import BAD_REQUEST, UNAVAILABLE, Endpoint, EndpointError
from .redaction import redact

log = logging.getLogger(__name__)

ASKS_PER_BATCH = 2
HEARTBEAT_EVERY = 5.0  # seconds between heartbeats while batches are in flight


@dataclass
class Call:
    """One request and what came of it: a future ledger row."""

    ask: int
    attribute_ids: list[int]
    request_sha256: str
    started_at: datetime
    latency_ms: int
    outcome: str
    detail: str
    status: int | None = None
    model: str = ""
    finish_reason: str = ""
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    total_tokens: int | None = None
    raw: str = ""
    valid_count: int = 0
    problem_count: int = 0


@dataclass
class Answered:
    suggestion: Suggestion
    source: str  # the model's name as the endpoint returned it
    call: int  # index into BatchResult.calls


@dataclass
class BatchResult:
    index: int
    attribute_ids: list[int]
    calls: list[Call] = field(default_factory=list)
    answered: dict[int, Answered] = field(default_factory=dict)
    # attribute -> (reason, index of the call whose answer was unusable)
    gave_up: dict[int, tuple[str, int | None]] = field(default_factory=dict)
    # Set when the endpoint was unavailable or refused: the attributes neither
    # answered nor given up stay unrecommended for the caller to decide.
    error: EndpointError | None = None


def split(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def ask(endpoint: Endpoint, report: dict, facts: list[dict], index: int) -> BatchResult:
    result = BatchResult(index, [f["attribute_id"] for f in facts])
    by_id = {f["attribute_id"]: f for f in facts}
    primary_keys = {f["attribute_id"] for f in facts if f["is_primary_key"]}
    pending = list(result.attribute_ids)
    problems: dict[int, str] = {}
    for ask_no in range(1, ASKS_PER_BATCH + 1):
        body = endpoint.request_body(prompt.messages(report, [by_id[i] for i in pending]))
        digest = prompt.request_sha256(body)
        started_at = datetime.now(timezone.utc)
        try:
            reply = endpoint.complete(body)
        except EndpointError as error:
            result.calls.append(_failed_call(ask_no, pending, digest, started_at, error))
            if error.kind == BAD_REQUEST:
                for attribute_id in pending:
                    result.gave_up[attribute_id] = (f"the model endpoint refused the request ({error})", len(result.calls) - 1)
            else:
                result.error = error
            return result
        checked = answers.check(reply.content, reply.finish_reason, pending, primary_keys)
        result.calls.append(
            Call(
                ask=ask_no, attribute_ids=list(pending), request_sha256=digest, started_at=started_at,
                latency_ms=reply.latency_ms, outcome=checked.outcome, detail=checked.describe(), status=reply.status,
                model=reply.model, finish_reason=reply.finish_reason or "", prompt_tokens=reply.prompt_tokens,
                completion_tokens=reply.completion_tokens, total_tokens=reply.total_tokens, raw=reply.raw,
                valid_count=len(checked.valid), problem_count=len(checked.problems),
            )
        )
        source = reply.model or endpoint.cfg.model
        for attribute_id, suggestion in checked.valid.items():
            result.answered[attribute_id] = Answered(suggestion, source, len(result.calls) - 1)
        problems = checked.problems
        pending = [i for i in pending if i in problems]
        if not pending:
            return result
    for attribute_id in pending:
        result.gave_up[attribute_id] = (
            f"the model's answer was unusable twice ({problems[attribute_id]})", len(result.calls) - 1
        )
    return result


def _failed_call(ask_no, pending, digest, started_at, error: EndpointError) -> Call:
    return Call(
        ask=ask_no, attribute_ids=list(pending), request_sha256=digest, started_at=started_at,
        latency_ms=error.latency_ms, outcome="unavailable" if error.kind == UNAVAILABLE else "refused",
        detail=str(error), status=error.status, raw=error.body, problem_count=len(pending),
    )


def run(
    endpoint: Endpoint,
    report: dict,
    batches: list[list[dict]],
    concurrency: int,
    *,
    store: Callable[[BatchResult], None],
    heartbeat: Callable[[int], None],
    deadline: float | None,
    batch_seconds: float,
) -> EndpointError | None:
    """Ask every batch, at most `concurrency` at once; `store` each finished
    one. Stops starting batches after the first that found the endpoint
    unavailable or refusing (the others in flight still finish and are
    stored), or when too little of the attempt's time is left for one more
    batch. Returns why it stopped early, or None."""
    queue = list(enumerate(batches))
    running = {}
    stopped: EndpointError | None = None
    finished = 0
    executor = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="llm-batch")
    try:
        while queue or running:
            while queue and stopped is None and len(running) < concurrency:
                if deadline is not None and time.monotonic() + batch_seconds > deadline:
                    stopped = EndpointError(UNAVAILABLE, "this attempt ran out of time; the next one resumes")
                    break
                index, facts = queue.pop(0)
                running[executor.submit(ask, endpoint, report, facts, index)] = index
            if not running:
                break
            done, _ = wait(running, timeout=HEARTBEAT_EVERY, return_when=FIRST_COMPLETED)
            for future in done:
                index = running.pop(future)
                try:
                    result = future.result()
                except Exception:
                    # A bug, not the endpoint: keep the traceback for the
                    # operator (the key redacted), retry the attempt.
                    log.error("batch %d failed: %s", index + 1, redact(traceback.format_exc(), endpoint.cfg.api_key))
                    result = BatchResult(index, [f["attribute_id"] for f in batches[index]],
                                         error=EndpointError(UNAVAILABLE, "an unexpected error while asking the model"))
                store(result)
                finished += 1
                if result.error is not None and stopped is None:
                    stopped = result.error
            heartbeat(finished)
            if deadline is not None and time.monotonic() > deadline and running:
                # Calls still in flight are abandoned (their threads end with
                # their HTTP timeout); what they would have answered is asked
                # again by the next attempt.
                return stopped or EndpointError(UNAVAILABLE, "this attempt ran out of time; the next one resumes")
        return stopped
    finally:
        executor.shutdown(wait=False, cancel_futures=True)
