"""Persisting the Scoping phase's decisions: one transaction per submission,
idempotent by submission id, new versions supersede old ones. Refusals are
reviews.applying.Refused: the workflow's step then keeps waiting."""
from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from cycles.models import CycleReport, CycleReportAttribute
from cycles.plain_text import meaningful
from reviews import approvals
from reviews.applying import Refused, Submitted

from . import queries
from .llm import config as llm_config
from .llm.attempt import Attempt
from .llm.recommend import missing_attributes, recommend_missing, rule_based
from .models import ModelCall, OwnerDecision, Recommendation, ScopingDecision, ScopingSubmission


@dataclass
class ReviewSaved:
    version: int
    overrides: int
    requires_report_owner_approval: bool


@dataclass
class RecommendationSummary:
    """Counts only: what the activity returns to the workflow and the audit
    trail says (never prompts or answers)."""

    attributes: int
    recommended: int
    created: int
    from_model: int
    fallbacks: int
    model_calls: int
    sources: dict

    def result(self, cycle_report_id: int) -> dict:
        return {
            "cycle_report_id": cycle_report_id,
            "attributes": self.attributes,
            "recommended": self.recommended,
            "created": self.created,
            "from_model": self.from_model,
            "fallbacks": self.fallbacks,
            "model_calls": self.model_calls,
        }

    def describe(self) -> str:
        by_source = ", ".join(f"{n} by {source}" for source, n in sorted(self.sources.items()))
        text = f"{self.recommended} recommendation(s) ({by_source or 'none'})"
        if self.fallbacks:
            text += f"; {self.fallbacks} fell back to the rule-based recommendation (reasons shown on the review form)"
        return text


def ensure_recommendations(cycle_report: CycleReport, attempt=None) -> RecommendationSummary:
    """Recommend every attribute that has no recommendation yet: from the
    language model when LLM_PROVIDER names one (scoping/llm/), else from the
    SCOPING_RECOMMENDER. Raises scoping.llm.recommend.ModelUnavailable when
    the model's endpoint should be asked again later."""
    before = Recommendation.objects.filter(cycle_report=cycle_report).count()
    cfg = llm_config.current()
    if cfg.uses_model:
        recommend_missing(cycle_report, attempt or Attempt(), cfg)
    else:
        rule_based(cycle_report, missing_attributes(cycle_report))
    return _summary(cycle_report, before)


def _summary(cycle_report: CycleReport, before: int) -> RecommendationSummary:
    recs = Recommendation.objects.filter(cycle_report=cycle_report)
    sources = dict(recs.values_list("source").annotate(n=Count("id")).order_by())
    counts = recs.aggregate(
        from_model=Count("id", filter=Q(model_call__isnull=False, fallback_reason__isnull=True)),
        fallbacks=Count("id", filter=Q(fallback_reason__isnull=False)),
    )
    total = sum(sources.values())
    return RecommendationSummary(
        attributes=queries.attributes(cycle_report).count(),
        recommended=total,
        created=total - before,
        from_model=counts["from_model"],
        fallbacks=counts["fallbacks"],
        model_calls=ModelCall.objects.filter(cycle_report=cycle_report).count(),
        sources=sources,
    )


def attribute_rules(cycle_report: CycleReport) -> list[list]:
    """[attribute id, recommended include, is primary key] for every
    attribute: what the workflow's validator checks a review against."""
    rows = Recommendation.objects.filter(cycle_report=cycle_report).values_list(
        "attribute_id", "include", "attribute__is_primary_key"
    )
    return [list(row) for row in rows]


def record_tester_review(submitted: Submitted) -> ReviewSaved:
    cycle_report, submission = submitted.cycle_report, submitted.message
    existing = ScopingSubmission.objects.filter(message_id=submission.submission_id).first()
    if existing:  # a retried activity: the first attempt committed
        return _review_saved(cycle_report, existing)
    submitted_by, on_behalf_of = submitted.submitted_by, submitted.on_behalf_of
    # (recommended include, is a primary key) by attribute: plain values, not
    # a model instance per attribute (issue 15: most of this activity's time).
    recommendations = {
        attribute_id: (include, is_primary_key)
        for attribute_id, include, is_primary_key in Recommendation.objects.filter(cycle_report=cycle_report).values_list(
            "attribute_id", "include", "attribute__is_primary_key"
        )
    }
    decided = {}
    for d in submission.choices():
        if d.attribute_id not in recommendations or d.attribute_id in decided:
            raise Refused(f"attribute {d.attribute_id} is unknown or decided twice")
        decided[d.attribute_id] = d
    if set(decided) != set(recommendations):
        raise Refused("a decision is required for every attribute")
    now = timezone.now()
    with transaction.atomic():
        cycle_report.lock()
        version = approvals.supersede_current(ScopingSubmission, cycle_report, now)
        decisions = []
        for attribute_id, d in decided.items():
            recommended, is_primary_key = recommendations[attribute_id]
            decisions.append(
                ScopingDecision(
                    attribute_id=attribute_id,
                    include=d.include,
                    rationale=meaningful(d.rationale),
                    overrides_recommendation=d.include != recommended,
                    attribute_is_primary_key=is_primary_key,
                )
            )
        overrides = sum(1 for x in decisions if x.overrides_recommendation)
        saved = ScopingSubmission.objects.create(
            cycle_report=cycle_report,
            version=version,
            message_id=submission.submission_id,
            submitted_by=submitted_by,
            on_behalf_of=on_behalf_of,
            submitted_at=now,
            overrides=overrides,
        )
        for x in decisions:
            x.submission = saved
        ScopingDecision.objects.bulk_create(decisions)
        submitted.applied(
            f"Tester review version {version}: {sum(1 for x in decisions if x.include)} of {len(decisions)} attributes in scope, {overrides} override(s)",
        )
    return _review_saved(cycle_report, saved)


def _review_saved(cycle_report: CycleReport, saved: ScopingSubmission) -> ReviewSaved:
    policy = cycle_report.report.owner_approval_policy
    requires = policy == "always" or saved.overrides > 0
    return ReviewSaved(saved.version, saved.overrides, requires)


def record_owner_decision(submitted: Submitted) -> OwnerDecision:
    return approvals.record(submitted, OwnerDecision, ScopingSubmission, link="submission", what="review")


def mark_scope(cycle_report: CycleReport) -> int:
    """At the phase's completion: which of the report's frozen attributes are
    in scope, as the approved (current) version decided. Later phases test
    those."""
    current = ScopingSubmission.objects.filter(cycle_report=cycle_report, superseded_at__isnull=True).first()
    if current is None:
        return 0
    included = set(current.decisions.filter(include=True).values_list("attribute_id", flat=True))
    frozen = CycleReportAttribute.objects.filter(cycle_report=cycle_report)
    frozen.filter(attribute_id__in=included).update(in_scope=True)
    frozen.exclude(attribute_id__in=included).update(in_scope=False)
    return len(included)


def completion_note(cycle_report: CycleReport) -> str:
    approved = (
        ScopingSubmission.objects.filter(cycle_report=cycle_report, superseded_at__isnull=True)
        .select_related("submitted_by")
        .first()
    )
    if approved is None:
        return ""
    included = approved.decisions.filter(include=True).count()
    return (
        f"Version {approved.version} by {approved.submitted_by.get_username()}:"
        f" {included} attribute(s) in scope, {approved.overrides} override(s)."
    )
