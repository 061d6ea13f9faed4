"""Persisting the Scoping phase's decisions: one transaction per submission,
idempotent by submission id, new versions supersede old ones."""
from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from cycles.models import CycleReport
from reviews import audit, notifications
from reviews.models import AuditEvent, HumanTask
from reviews.human_tasks import complete_task

from .llm import config as llm_config
from .llm.attempt import Attempt
from .llm.recommend import missing_attributes, recommend_missing, rule_based
from .models import ModelCall, OwnerDecision, Recommendation, ReportAttribute, ScopingDecision, ScopingSubmission

User = get_user_model()


class Refused(Exception):
    """The database-side checks refuse a submission (the workflow's validator
    should have caught it; this is the last line)."""


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
        attributes=ReportAttribute.objects.filter(report_id=cycle_report.report_id).count(),
        recommended=total,
        created=total - before,
        from_model=counts["from_model"],
        fallbacks=counts["fallbacks"],
        model_calls=ModelCall.objects.filter(cycle_report=cycle_report).count(),
        sources=sources,
    )


def attribute_rules(cycle_report: CycleReport) -> list[tuple[int, bool, bool]]:
    rows = Recommendation.objects.filter(cycle_report=cycle_report).values_list(
        "attribute_id", "include", "attribute__is_primary_key"
    )
    return list(rows)


def _user(username: str):
    try:
        return User.objects.get(username=username)
    except User.DoesNotExist:
        raise Refused(f"unknown user {username!r}") from None


def record_tester_review(cycle_report: CycleReport, task: HumanTask, submission, workflow_id: str, run_id: str) -> ReviewSaved:
    existing = ScopingSubmission.objects.filter(message_id=submission.submission_id).first()
    if existing:  # a retried activity: the first attempt committed
        return _review_saved(cycle_report, existing)
    submitted_by = _user(submission.submitted_by)
    on_behalf_of = _user(submission.on_behalf_of)
    recommendations = {
        r.attribute_id: r
        for r in Recommendation.objects.filter(cycle_report=cycle_report).select_related("attribute")
    }
    decided = {}
    for d in submission.decisions:
        if d.attribute_id not in recommendations or d.attribute_id in decided:
            raise Refused(f"attribute {d.attribute_id} is unknown or decided twice")
        decided[d.attribute_id] = d
    if set(decided) != set(recommendations):
        raise Refused("a decision is required for every attribute")
    now = timezone.now()
    with transaction.atomic():
        CycleReport.objects.select_for_update().get(pk=cycle_report.pk)
        previous = ScopingSubmission.objects.filter(cycle_report=cycle_report, superseded_at__isnull=True).first()
        version = (previous.version + 1) if previous else 1
        if previous:
            previous.superseded_at = now
            previous.save(update_fields=["superseded_at"])
            prior_decision = OwnerDecision.objects.filter(submission=previous, superseded_at__isnull=True).first()
            if prior_decision:
                prior_decision.superseded_at = now
                prior_decision.save(update_fields=["superseded_at"])
        decisions = []
        for attribute_id, d in decided.items():
            rec = recommendations[attribute_id]
            overrides = d.include != rec.include
            decisions.append(
                ScopingDecision(
                    attribute_id=attribute_id,
                    include=d.include,
                    rationale=d.rationale.strip(),
                    overrides_recommendation=overrides,
                    attribute_is_primary_key=rec.attribute.is_primary_key,
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
        complete_task(task, submitted_by, on_behalf_of)
        audit.record(
            AuditEvent.Event.SUBMISSION_ACCEPTED,
            cycle_report,
            actor=submitted_by,
            on_behalf_of=on_behalf_of,
            workflow_id=workflow_id,
            run_id=run_id,
            payload=_payload(submission),
            detail=f"Tester review version {version}: {sum(1 for x in decisions if x.include)} of {len(decisions)} attributes in scope, {overrides} override(s)",
        )
    return _review_saved(cycle_report, saved)


def _review_saved(cycle_report: CycleReport, saved: ScopingSubmission) -> ReviewSaved:
    policy = cycle_report.report.owner_approval_policy
    requires = policy == "always" or saved.overrides > 0
    return ReviewSaved(saved.version, saved.overrides, requires)


def record_owner_decision(cycle_report: CycleReport, task: HumanTask, submission, workflow_id: str, run_id: str) -> OwnerDecision:
    existing = OwnerDecision.objects.filter(message_id=submission.submission_id).first()
    if existing:
        return existing
    decided_by = _user(submission.submitted_by)
    on_behalf_of = _user(submission.on_behalf_of)
    comments = submission.comments.strip()
    if not submission.approved and not comments:
        raise Refused("comments are required when requesting changes")
    with transaction.atomic():
        CycleReport.objects.select_for_update().get(pk=cycle_report.pk)
        reviewed = ScopingSubmission.objects.filter(cycle_report=cycle_report, superseded_at__isnull=True).first()
        if reviewed is None:
            raise Refused("there is no review to approve")
        if decided_by.pk == reviewed.submitted_by_id or on_behalf_of.pk == reviewed.submitted_by_id:
            raise Refused("the person who submitted the review cannot approve it")
        outcome = OwnerDecision.Outcome.APPROVED if submission.approved else OwnerDecision.Outcome.CHANGES_REQUESTED
        decision = OwnerDecision.objects.create(
            submission=reviewed,
            cycle_report=cycle_report,
            version=reviewed.version,
            message_id=submission.submission_id,
            outcome=outcome,
            comments=comments,
            decided_by=decided_by,
            on_behalf_of=on_behalf_of,
            decided_at=timezone.now(),
        )
        complete_task(task, decided_by, on_behalf_of)
        audit.record(
            AuditEvent.Event.APPROVED if submission.approved else AuditEvent.Event.CHANGES_REQUESTED,
            cycle_report,
            actor=decided_by,
            on_behalf_of=on_behalf_of,
            workflow_id=workflow_id,
            run_id=run_id,
            payload=_payload(submission),
            detail=f"Version {reviewed.version}: {outcome.label}" + (f" — {comments}" if comments else ""),
        )
        notifications.report_event(
            "approved" if submission.approved else "changes_requested",
            cycle_report,
            [cycle_report.tester, reviewed.submitted_by],
            note=comments,
        )
    return decision


def _payload(submission) -> dict:
    from dataclasses import asdict

    return asdict(submission)
