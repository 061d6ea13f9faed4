"""Recommenders say which attributes are risky enough to test.

A recommender is any object with a `source` name (and optionally a
`version`) and a `recommend(attributes)` method returning one Suggestion per
attribute. The default is rule-based and deterministic; SCOPING_RECOMMENDER
(a dotted path) swaps it. A language model (LLM_PROVIDER=openai, see
scoping/llm/) is asked first when configured, and this recommender answers
for whatever the model could not."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

INCLUDE_THRESHOLD = 40


@dataclass(frozen=True)
class Suggestion:
    attribute_id: int
    include: bool
    risk_score: int
    rationale: str


class Recommender(Protocol):
    source: str

    def recommend(self, attributes: Iterable) -> list[Suggestion]: ...


class RuleBasedRecommender:
    """Risk from the attribute's flags; the rationale names each factor."""

    source = "rules"
    version = "rules-v1"  # recorded as the recommendation's prompt_version
    WEIGHTS = (
        ("is_primary_key", 40, "primary key (always tested)"),
        ("is_cde", 35, "critical data element"),
        ("has_historical_issues", 30, "historical data-quality issues"),
        ("is_mandatory", 15, "mandatory field in the regulatory instructions"),
    )
    TYPE_WEIGHTS = {"decimal": 10, "date": 5, "code": 5}

    def recommend(self, attributes: Iterable) -> list[Suggestion]:
        return [self._one(attribute) for attribute in attributes]

    def _one(self, attribute) -> Suggestion:
        score = 0
        factors = []
        for flag, weight, label in self.WEIGHTS:
            if getattr(attribute, flag):
                score += weight
                factors.append(f"{label} (+{weight})")
        type_weight = self.TYPE_WEIGHTS.get(attribute.data_type, 0)
        if type_weight:
            score += type_weight
            factors.append(f"{attribute.get_data_type_display().lower()} values (+{type_weight})")
        score = min(score, 100)
        include = attribute.is_primary_key or score >= INCLUDE_THRESHOLD
        verdict = "Include" if include else "Exclude"
        reasons = ", ".join(factors) if factors else "no risk factor"
        rationale = f"{verdict}: risk {score}/100 from {reasons}; threshold {INCLUDE_THRESHOLD}."
        return Suggestion(attribute.id, include, score, rationale)


def get_recommender() -> Recommender:
    path = getattr(settings, "SCOPING_RECOMMENDER", "scoping.recommenders.RuleBasedRecommender")
    return import_string(path)()
