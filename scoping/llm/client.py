"""The chat-completions endpoint, on the official openai SDK.

The SDK's own retries are off (max_retries=0): Temporal owns retries, and
the recommendation activity decides what is worth another attempt. Every
failure is sorted here into one of three kinds, with a message in our own
words (never the SDK's, which may quote the endpoint's body):

- UNAVAILABLE: 408, 429, 5xx, a timeout or no connection; retried later,
  honouring Retry-After.
- REFUSED: 401, 403, 404; the endpoint refuses this deployment's requests
  (key, permission, model or URL): asking again cannot help, for any batch.
- BAD_REQUEST: 400, 422 and any other 4xx; this request was refused, not
  retried.
"""
from __future__ import annotations

import email.utils
import math
import time
from dataclasses import dataclass
from datetime import datetime, timezone

import openai

from . import prompt
from .config import LLMConfig
from .redaction import redact

UNAVAILABLE = "unavailable"
REFUSED = "refused"
BAD_REQUEST = "bad_request"

REFUSED_STATUSES = frozenset({401, 403, 404})
RETRYABLE_STATUSES = frozenset({408, 429})


class EndpointError(Exception):
    def __init__(self, kind: str, message: str, *, status: int | None = None, retry_after: float | None = None,
                 body: str = "", latency_ms: int = 0):
        super().__init__(message)
        self.kind = kind
        self.status = status
        self.retry_after = retry_after
        self.body = body
        self.latency_ms = latency_ms


@dataclass
class Reply:
    content: str | None
    finish_reason: str | None
    model: str  # as the endpoint named it in its answer
    prompt_tokens: int | None
    completion_tokens: int | None
    total_tokens: int | None
    status: int
    raw: str  # the response body as received, the key redacted
    latency_ms: int


class Endpoint:
    """One per recommendation run; shared by its batch threads (the SDK's
    HTTP client is thread-safe)."""

    def __init__(self, cfg: LLMConfig):
        self.cfg = cfg
        self._client = openai.OpenAI(
            # Servers without authentication still need a non-empty key for the SDK.
            api_key=cfg.api_key or "no-key",
            base_url=cfg.base_url,
            timeout=cfg.timeout,
            max_retries=0,
        )

    def close(self) -> None:
        self._client.close()

    def request_body(self, messages: list[dict]) -> dict:
        body = {"model": self.cfg.model, "messages": messages, "temperature": 0}
        fmt = prompt.response_format(self.cfg.output_mode)
        if fmt is not None:
            body["response_format"] = fmt
        return body

    def complete(self, body: dict) -> Reply:
        started = time.monotonic()
        try:
            raw = self._client.chat.completions.with_raw_response.create(**body)
        except openai.APIStatusError as exc:
            raise self._status_error(exc, started) from None
        except openai.APITimeoutError:
            raise EndpointError(
                UNAVAILABLE, f"no answer within LLM_TIMEOUT ({self.cfg.timeout:g} s)", latency_ms=_ms(started)
            ) from None
        except openai.APIConnectionError:
            raise EndpointError(UNAVAILABLE, "could not connect to the model endpoint", latency_ms=_ms(started)) from None
        except openai.OpenAIError as exc:  # anything else the SDK raises: retried, named by its class only
            raise EndpointError(
                UNAVAILABLE, f"the openai SDK failed ({type(exc).__name__})", latency_ms=_ms(started)
            ) from None
        latency = _ms(started)
        text = redact(raw.http_response.text, self.cfg.api_key)
        try:
            completion = raw.parse()
            choice = completion.choices[0]
            usage = completion.usage
            return Reply(
                content=choice.message.content,
                finish_reason=choice.finish_reason,
                model=str(completion.model or ""),
                prompt_tokens=getattr(usage, "prompt_tokens", None),
                completion_tokens=getattr(usage, "completion_tokens", None),
                total_tokens=getattr(usage, "total_tokens", None),
                status=raw.http_response.status_code,
                raw=text,
                latency_ms=latency,
            )
        except Exception:  # a 200 whose body is not a chat completion: an unusable answer
            return Reply(None, None, "", None, None, None, raw.http_response.status_code, text, latency)

    def _status_error(self, exc: openai.APIStatusError, started: float) -> EndpointError:
        status = exc.status_code
        body = redact(exc.response.text if exc.response is not None else "", self.cfg.api_key, limit=4000)
        latency = _ms(started)
        if status in RETRYABLE_STATUSES or status >= 500:
            return EndpointError(
                UNAVAILABLE, f"HTTP {status} from the model endpoint", status=status,
                retry_after=retry_after(exc.response.headers), body=body, latency_ms=latency,
            )
        if status in REFUSED_STATUSES:
            return EndpointError(
                REFUSED, f"HTTP {status} from the model endpoint ({_refusal(status)}); not retried",
                status=status, body=body, latency_ms=latency,
            )
        return EndpointError(
            BAD_REQUEST, f"HTTP {status} from the model endpoint (request refused); not retried",
            status=status, body=body, latency_ms=latency,
        )


def _refusal(status: int) -> str:
    return {401: "the API key was not accepted", 403: "not permitted", 404: "no such model or URL"}[status]


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def retry_after(headers) -> float | None:
    """Seconds to wait from Retry-After (seconds or an HTTP date) or the
    retry-after-ms header some servers send; None when absent or nonsense."""
    try:
        ms = headers.get("retry-after-ms")
        if ms is not None:
            value = float(ms) / 1000
            return value if math.isfinite(value) and value >= 0 else None
        header = headers.get("retry-after")
        if header is None:
            return None
        try:
            value = float(header)
        except ValueError:
            when = email.utils.parsedate_to_datetime(header)
            if when.tzinfo is None:
                when = when.replace(tzinfo=timezone.utc)
            value = (when - datetime.now(timezone.utc)).total_seconds()
        return max(value, 0.0) if math.isfinite(value) else None
    except (TypeError, ValueError, OverflowError):
        return None
