"""The recommendation activity's work with a language model: recommend every
attribute of the report that has none yet, batch by batch, storing each
finished batch so that a retried attempt resumes where the last one stopped.

Failures, and what the tester then sees (every path ends in a
recommendation for every attribute, so the review form always opens):
- an attribute missing or invalid in an answer is asked again once, then
  recommended by the rule-based recommender, with the reason (per attribute);
- 400/422: that batch's attributes fall back to rules, not retried;
- 401/403/404: asking again cannot help; every attribute still without a
  recommendation falls back to rules, with the reason;
- 408/429/5xx, a timeout, no connection: `ModelUnavailable` is raised and
  Temporal retries the activity (after Retry-After when the endpoint sent
  one); on attempt LLM_MAX_ATTEMPTS the rest falls back to rules instead;
- an attempt after LLM_MAX_ATTEMPTS (the last one died without finishing)
  asks no model and falls back at once."""
from __future__ import annotations

import logging

from django.db import transaction

from cycles.models import ReportAttribute

from .. import queries
from ..models import ModelCall, Recommendation
from ..recommenders import get_recommender
from . import batches, prompt
from .attempt import Attempt
from .client import REFUSED, Endpoint
from .config import LLMConfig

log = logging.getLogger(__name__)


class ModelUnavailable(Exception):
    """Try again later (Temporal retries the activity)."""

    def __init__(self, reason: str, retry_after: float | None):
        super().__init__(reason)
        self.retry_after = retry_after


def missing_attributes(cycle_report) -> list[ReportAttribute]:
    """The report's attributes for this cycle (frozen at its start) that have
    no recommendation yet."""
    return list(queries.attributes(cycle_report).exclude(recommendations__cycle_report=cycle_report))


def recommend_missing(cycle_report, attempt: Attempt, cfg: LLMConfig) -> None:
    missing = missing_attributes(cycle_report)
    if not missing:
        return
    if attempt.number > cfg.max_attempts:
        fall_back(
            cycle_report, missing,
            f"the model endpoint did not answer in {cfg.max_attempts} attempt(s); the last one did not finish",
        )
        return
    attributes = {a.pk: a for a in missing}
    report = prompt.report_facts(cycle_report.report)
    facts = [prompt.attribute_facts(a) for a in missing]
    planned = batches.split(facts, cfg.batch_size)
    attempt.heartbeat({"batches_done": 0, "batches": len(planned)})
    endpoint = Endpoint(cfg)
    try:
        stopped = batches.run(
            endpoint, report, planned, cfg.max_concurrency,
            store=lambda result: _store(cycle_report, attempt, cfg, result, attributes),
            heartbeat=lambda done: attempt.heartbeat({"batches_done": done, "batches": len(planned)}),
            deadline=attempt.deadline,
            batch_seconds=batches.ASKS_PER_BATCH * cfg.timeout + 5,
        )
    finally:
        endpoint.close()
    if stopped is None:
        return
    if stopped.kind == REFUSED:
        fall_back(cycle_report, missing_attributes(cycle_report), f"the model endpoint refused the request: {stopped}")
    elif attempt.number >= cfg.max_attempts:
        fall_back(
            cycle_report, missing_attributes(cycle_report),
            f"the model endpoint was unavailable after {attempt.number} attempt(s): {stopped}",
        )
    else:
        log.warning(
            "model endpoint unavailable on attempt %d of %d: %s", attempt.number, cfg.max_attempts, stopped,
            extra={"cycle_report_id": cycle_report.pk},
        )
        raise ModelUnavailable(str(stopped), stopped.retry_after)


def rule_based(cycle_report, attributes: list[ReportAttribute], fallback_reason: str | None = None,
               call: ModelCall | None = None) -> int:
    """Recommendations of the SCOPING_RECOMMENDER (rule-based by default) for
    `attributes`; with a `fallback_reason` when they stand in for the model's."""
    if not attributes:
        return 0
    recommender = get_recommender()
    rows = [
        Recommendation(
            cycle_report=cycle_report,
            attribute_id=s.attribute_id,
            include=s.include,
            risk_score=max(0, min(100, int(s.risk_score))),
            rationale=s.rationale,
            source=recommender.source,
            prompt_version=getattr(recommender, "version", ""),
            fallback_reason=fallback_reason[:2000] if fallback_reason else None,
            model_call=call,
        )
        for s in recommender.recommend(attributes)
    ]
    Recommendation.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def fall_back(cycle_report, attributes: list[ReportAttribute], reason: str, call: ModelCall | None = None) -> int:
    """The rule-based recommendation for `attributes`, each recording why
    the model's was not used."""
    return rule_based(cycle_report, attributes, reason, call)


def _store(cycle_report, attempt: Attempt, cfg: LLMConfig, result: batches.BatchResult, attributes: dict) -> None:
    """One finished batch, in one transaction: its calls in the ledger, the
    model's valid answers, the rule-based fallback for what it gave up on."""
    with transaction.atomic():
        calls = [
            ModelCall.objects.create(
                cycle_report=cycle_report,
                workflow_id=attempt.workflow_id,
                run_id=attempt.run_id,
                attempt=attempt.number,
                batch=result.index + 1,
                ask=c.ask,
                attribute_ids=c.attribute_ids,
                requested_model=cfg.model[:200],
                model=c.model[:200],
                prompt_version=prompt.PROMPT_VERSION,
                output_mode=cfg.output_mode,
                request_sha256=c.request_sha256,
                started_at=c.started_at,
                latency_ms=c.latency_ms,
                http_status=c.status,
                finish_reason=c.finish_reason[:40],
                prompt_tokens=_count(c.prompt_tokens),
                completion_tokens=_count(c.completion_tokens),
                total_tokens=_count(c.total_tokens),
                raw_answer=c.raw,
                outcome=c.outcome,
                valid_count=c.valid_count,
                problem_count=c.problem_count,
                detail=c.detail[:4000],
            )
            for c in result.calls
        ]
        Recommendation.objects.bulk_create(
            [
                Recommendation(
                    cycle_report=cycle_report,
                    attribute_id=attribute_id,
                    include=a.suggestion.include,
                    risk_score=a.suggestion.risk_score,
                    rationale=a.suggestion.rationale,
                    source=a.source[:100],
                    prompt_version=prompt.PROMPT_VERSION,
                    model_call=calls[a.call],
                )
                for attribute_id, a in result.answered.items()
            ],
            ignore_conflicts=True,
        )
        by_reason: dict[tuple[str, int | None], list] = {}
        for attribute_id, (reason, call) in result.gave_up.items():
            by_reason.setdefault((reason, call), []).append(attributes[attribute_id])
        for (reason, call), group in by_reason.items():
            fall_back(cycle_report, group, reason, calls[call] if call is not None else None)


def _count(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None
