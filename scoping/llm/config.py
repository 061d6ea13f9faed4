"""The LLM_* settings, read once per run and checked at start-up (the
system check in scoping.checks), so that a bad value stops the worker when it
starts rather than failing every report later."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings

PROVIDERS = ("rules", "openai")
OUTPUT_MODES = ("json_schema", "json_object", "prompt")
MAX_BATCH_SIZE = 200
MAX_CONCURRENCY = 32


def _recommender_activity() -> dict:
    # The workflow's options for the recommendation activity bound what the
    # settings may ask for: the model must give up (and the report fall back
    # to rules) before Temporal runs out of attempts or time.
    from ..workflow_steps import GENERATE_RECOMMENDATIONS

    return GENERATE_RECOMMENDATIONS.options


def workflow_max_attempts() -> int:
    return _recommender_activity()["retry_policy"].maximum_attempts


def attempt_time() -> timedelta:
    return _recommender_activity()["start_to_close_timeout"]


def max_timeout_seconds() -> float:
    # One batch asks at most twice (the answer, then once more for what was
    # unusable) and must finish well inside one attempt.
    return (attempt_time().total_seconds() - 60) / 2


@dataclass(frozen=True)
class LLMConfig:
    provider: str
    base_url: str
    api_key: str
    model: str
    output_mode: str
    timeout: float
    max_attempts: int
    batch_size: int
    max_concurrency: int

    def __repr__(self) -> str:  # never print the key, even in a traceback's locals
        return f"LLMConfig(provider={self.provider!r}, base_url={self.base_url!r}, model={self.model!r})"

    __str__ = __repr__

    @property
    def uses_model(self) -> bool:
        return self.provider == "openai"


def current() -> LLMConfig:
    return LLMConfig(
        provider=settings.LLM_PROVIDER,
        base_url=settings.LLM_BASE_URL,
        api_key=settings.LLM_API_KEY,
        model=settings.LLM_MODEL,
        output_mode=settings.LLM_OUTPUT_MODE,
        timeout=settings.LLM_TIMEOUT,
        max_attempts=settings.LLM_MAX_ATTEMPTS,
        batch_size=settings.LLM_BATCH_SIZE,
        max_concurrency=settings.LLM_MAX_CONCURRENCY,
    )


def _int_in(value, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def problems() -> list[str]:
    """Everything wrong with the LLM_* settings, in words an operator can act
    on. Never quotes LLM_API_KEY."""
    s = settings
    found = []
    if s.LLM_PROVIDER not in PROVIDERS:
        found.append(f"LLM_PROVIDER must be one of {', '.join(PROVIDERS)}, not {s.LLM_PROVIDER!r}")
    if s.LLM_OUTPUT_MODE not in OUTPUT_MODES:
        found.append(f"LLM_OUTPUT_MODE must be one of {', '.join(OUTPUT_MODES)}, not {s.LLM_OUTPUT_MODE!r}")
    limit = max_timeout_seconds()
    timeout = s.LLM_TIMEOUT
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= limit:
        found.append(
            f"LLM_TIMEOUT must be a number of seconds above 0 and at most {limit:g} "
            f"(two calls per batch must fit in one {attempt_time()} attempt), not {timeout!r}"
        )
    most = workflow_max_attempts() - 1
    if not _int_in(s.LLM_MAX_ATTEMPTS, 1, most):
        found.append(
            f"LLM_MAX_ATTEMPTS must be a whole number from 1 to {most} (the workflow allows "
            f"{most + 1} attempts and keeps the last for the rule-based fallback), not {s.LLM_MAX_ATTEMPTS!r}"
        )
    if not _int_in(s.LLM_BATCH_SIZE, 1, MAX_BATCH_SIZE):
        found.append(f"LLM_BATCH_SIZE must be a whole number from 1 to {MAX_BATCH_SIZE}, not {s.LLM_BATCH_SIZE!r}")
    if not _int_in(s.LLM_MAX_CONCURRENCY, 1, MAX_CONCURRENCY):
        found.append(
            f"LLM_MAX_CONCURRENCY must be a whole number from 1 to {MAX_CONCURRENCY}, not {s.LLM_MAX_CONCURRENCY!r}"
        )
    if s.LLM_PROVIDER == "openai":
        found.extend(_endpoint_problems(s.LLM_BASE_URL, s.LLM_MODEL))
    return found


def _endpoint_problems(base_url: str, model: str) -> list[str]:
    found = []
    if not model.strip():
        found.append("LLM_MODEL is required with LLM_PROVIDER=openai (the model name the endpoint serves)")
    if not base_url:
        # No silent default to a public endpoint: a bank's report metadata
        # goes only where the operator pointed it.
        found.append("LLM_BASE_URL is required with LLM_PROVIDER=openai, e.g. http://host:port/v1")
        return found
    try:
        parts = urlsplit(base_url)
        host = parts.hostname
    except ValueError:
        parts, host = None, None
    if parts is None or parts.scheme not in ("http", "https") or not host:
        found.append("LLM_BASE_URL must be an http:// or https:// URL with a host, e.g. http://host:port/v1")
    elif parts.username or parts.password or parts.query:
        # URLs end up in logs; credentials belong in LLM_API_KEY.
        found.append("LLM_BASE_URL must not carry credentials or a query string; put the key in LLM_API_KEY")
    return found
