"""Model versus people, per test cycle: how often testers overrode the
recommendations (by recommendation source, by attribute flag, by tester),
how often the model's include agreed with the final approved decision,
every override with its rationale, and the time testers spent per review.

Read in three queries, whatever the cycle's size.

What counts:
- Overrides are read from each report's current review (the latest
  version, approved or still awaiting approval): what people finally said
  against the recommendation. Superseded versions only count for time.
- Agreement is measured on reports whose current review is final: approved
  by the report owner, or completed without needing approval.
- Time per review runs from the opening of the tester's task for that round
  to the submission of that version (a version is the review of its round).
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from django.db.models import OuterRef, Subquery

from cycles.models import PhaseStatus
from reviews.models import HumanTask

from .models import OwnerDecision, Recommendation, ScopingDecision, ScopingSubmission
from .workflow_steps import PHASE, TESTER_REVIEW

FLAGS = (
    ("is_primary_key", "primary key"),
    ("is_cde", "critical data element"),
    ("has_historical_issues", "historical issues"),
    ("is_mandatory", "mandatory"),
)
NO_FLAG = "no flag"


@dataclass
class Tally:
    attributes: int = 0
    overrides: int = 0
    fallbacks: int = 0
    approved_attributes: int = 0
    agreed: int = 0

    def add(self, decision: "Decided") -> None:
        self.attributes += 1
        self.overrides += decision.overrides
        self.fallbacks += decision.fell_back
        if decision.final:
            self.approved_attributes += 1
            self.agreed += decision.recommended_include == decision.decided_include

    def rates(self) -> dict:
        return {
            "attributes": self.attributes,
            "overrides": self.overrides,
            "override_rate": _rate(self.overrides, self.attributes),
            "fallbacks": self.fallbacks,
            "approved_attributes": self.approved_attributes,
            "agreed": self.agreed,
            "agreement_rate": _rate(self.agreed, self.approved_attributes),
        }


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@dataclass
class Decided:
    report_id: int
    report: str
    attribute_id: int
    attribute: str
    flags: list[str]
    source: str
    fell_back: bool
    recommended_include: bool
    decided_include: bool
    overrides: bool
    rationale: str
    decided_by: str
    version: int
    final: bool


@dataclass
class Review:
    report_id: int
    report: str
    version: int
    tester: str
    on_behalf_of: str
    opened_at: object
    submitted_at: object

    @property
    def seconds(self) -> int | None:
        if self.opened_at is None:
            return None
        return max(0, round((self.submitted_at - self.opened_at).total_seconds()))


@dataclass
class Agreement:
    decisions: list[Decided] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)

    def by_source(self) -> list[dict]:
        return self._grouped("source", lambda d: [d.source])

    def by_flag(self) -> list[dict]:
        return self._grouped("flag", lambda d: d.flags or [NO_FLAG])

    def by_tester(self) -> list[dict]:
        rows = {row["tester"]: row for row in self._grouped("tester", lambda d: [d.decided_by])}
        for review in self.reviews:
            rows.setdefault(review.tester, {"tester": review.tester, **Tally().rates()})
        for tester, row in rows.items():
            mine = [r for r in self.reviews if r.tester == tester]
            timed = [r.seconds for r in mine if r.seconds is not None]
            row["reviews"] = [
                {"report_id": r.report_id, "version": r.version, "opened_at": _iso(r.opened_at),
                 "submitted_at": _iso(r.submitted_at), "seconds": r.seconds}
                for r in mine
            ]
            row["median_review_seconds"] = statistics.median(timed) if timed else None
        return [rows[k] for k in sorted(rows)]

    def overrides(self) -> list[Decided]:
        return [d for d in self.decisions if d.overrides]

    def as_json(self) -> dict:
        return {
            "by_source": self.by_source(),
            "by_tester": self.by_tester(),
            "by_flag": self.by_flag(),
            "overrides": [
                {
                    "report_id": d.report_id,
                    "attribute_id": d.attribute_id,
                    "source": d.source,
                    "recommended_include": d.recommended_include,
                    "decided_include": d.decided_include,
                    "rationale": d.rationale,
                    "decided_by": d.decided_by,
                }
                for d in self.overrides()
            ],
        }

    def _grouped(self, key: str, keys_of) -> list[dict]:
        tallies: dict[str, Tally] = {}
        for decision in self.decisions:
            for k in keys_of(decision):
                tallies.setdefault(k, Tally()).add(decision)
        return [{key: k, **tallies[k].rates()} for k in sorted(tallies)]


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def for_cycle(cycle) -> Agreement:
    recommendations = {
        (cr_id, attribute_id): (source, include, fallback)
        for cr_id, attribute_id, source, include, fallback in Recommendation.objects.filter(
            cycle_report__cycle=cycle
        ).values_list("cycle_report_id", "attribute_id", "source", "include", "fallback_reason")
    }
    scoping_status = PhaseStatus.objects.filter(cycle_report=OuterRef("submission__cycle_report"), phase=PHASE).values("status")[:1]
    rows = (
        ScopingDecision.objects.filter(submission__cycle_report__cycle=cycle, submission__superseded_at__isnull=True)
        .annotate(scoping_status=Subquery(scoping_status))
        .order_by("submission__cycle_report__report__name", "attribute__line_number", "attribute_id")
        .values_list(
            "submission__cycle_report_id",
            "submission__cycle_report__report_id",
            "submission__cycle_report__report__name",
            "scoping_status",
            "submission__owner_decision__outcome",
            "submission__version",
            "submission__submitted_by__username",
            "attribute_id",
            "attribute__name",
            *[f"attribute__{flag}" for flag, _ in FLAGS],
            "include",
            "rationale",
            "overrides_recommendation",
        )
    )
    result = Agreement()
    for row in rows:
        cr_id, report_id, report, status, outcome, version, decided_by, attribute_id, attribute = row[:9]
        flag_values = row[9 : 9 + len(FLAGS)]
        include, rationale, overrides = row[9 + len(FLAGS) :]
        source, recommended, fallback = recommendations.get((cr_id, attribute_id), ("(none)", include, None))
        final = outcome == OwnerDecision.Outcome.APPROVED or (outcome is None and status == PhaseStatus.Status.COMPLETED)
        result.decisions.append(
            Decided(
                report_id=report_id, report=report, attribute_id=attribute_id, attribute=attribute,
                flags=[label for (_, label), on in zip(FLAGS, flag_values) if on],
                source=source, fell_back=fallback is not None, recommended_include=recommended,
                decided_include=include, overrides=overrides, rationale=rationale, decided_by=decided_by,
                version=version, final=final,
            )
        )
    opened = HumanTask.objects.filter(
        cycle_report=OuterRef("cycle_report"), kind=TESTER_REVIEW, round=OuterRef("version")
    ).values("opened_at")[:1]
    submissions = (
        ScopingSubmission.objects.filter(cycle_report__cycle=cycle)
        .annotate(opened_at=Subquery(opened))
        .order_by("cycle_report__report__name", "version")
        .values_list(
            "cycle_report__report_id", "cycle_report__report__name", "version",
            "submitted_by__username", "on_behalf_of__username", "opened_at", "submitted_at",
        )
    )
    result.reviews = [Review(*row) for row in submissions]
    return result
