"""The Evidence phase as the workflow runs it: the data provider submits
evidence (files and source values) for every sampled record of the round,
the tester accepts or returns each record; returned records go back to the
provider as a new round, accepted ones stay accepted, until all are.

Django-free: the workflow imports this module (cycles/workflow_phases.py).
Files never travel in these messages: only their ids.
No `from __future__ import annotations`: see cycles/human_steps.py."""
from dataclasses import dataclass, field

from cycles.human_steps import ActivityRef, PhaseContext, PhaseSpec, StepSpec
from cycles.workflow_types import Applying

from . import evidence_rules

PHASE = "Evidence"
EVIDENCE_SUBMISSION = "evidence_submission"
EVIDENCE_REVIEW = "evidence_review"


@dataclass
class SampleEvidence:
    sample_id: int
    source_values: dict = field(default_factory=dict)  # {"<attribute id>": "value"}
    note: str = ""
    file_ids: list = field(default_factory=list)  # EvidenceFile ids, fixed when submitted


@dataclass
class EvidenceSubmission:
    submission_id: str
    submitted_by: str
    on_behalf_of: str
    samples: list[SampleEvidence] = field(default_factory=list)


@dataclass
class SampleDecision:
    sample_id: int
    accepted: bool
    comments: str = ""


@dataclass
class EvidenceReviewSubmission:
    submission_id: str
    submitted_by: str
    on_behalf_of: str
    decisions: list[SampleDecision] = field(default_factory=list)


@dataclass
class ApplyEvidenceSubmission(Applying):
    submission: EvidenceSubmission


@dataclass
class ApplyEvidenceReview(Applying):
    submission: EvidenceReviewSubmission


@dataclass
class EvidenceSubmitted:
    version: int
    samples: int


@dataclass
class EvidenceReviewed:
    version: int
    accepted: int
    returned: int


@dataclass
class RoundRules:
    """The task's rules: the records of the round, the attributes in scope."""

    samples: list = field(default_factory=list)
    attributes: list = field(default_factory=list)


def prepare(rules: dict) -> RoundRules:
    return RoundRules(samples=list(rules.get("samples", [])), attributes=list(rules.get("attributes", [])))


def submission_problems(rules: RoundRules, submission: EvidenceSubmission) -> list:
    return evidence_rules.submission_problems(rules.samples, rules.attributes, submission.samples)


def review_problems(rules: RoundRules, submission: EvidenceReviewSubmission) -> list:
    return evidence_rules.review_problems(rules.samples, submission.decisions)


APPLY_SUBMISSION = ActivityRef("apply_evidence_submission_activity", ApplyEvidenceSubmission, EvidenceSubmitted, local=True)
APPLY_REVIEW = ActivityRef("apply_evidence_review_activity", ApplyEvidenceReview, EvidenceReviewed, local=True)

SUBMISSION_STEP = StepSpec(
    kind=EVIDENCE_SUBMISSION,
    update="submit_evidence",
    message=EvidenceSubmission,
    apply=APPLY_SUBMISSION,
    prepare=prepare,
    validate=submission_problems,
)
REVIEW_STEP = StepSpec(
    kind=EVIDENCE_REVIEW,
    update="submit_evidence_review",
    message=EvidenceReviewSubmission,
    apply=APPLY_REVIEW,
    prepare=prepare,
    validate=review_problems,
)


async def run(ctx: PhaseContext) -> None:
    round_no = 1
    while True:
        await ctx.human_step(SUBMISSION_STEP, round_no)
        review: EvidenceReviewed = await ctx.human_step(REVIEW_STEP, round_no)
        if not review.returned:
            return
        round_no += 1


EVIDENCE_PHASE = PhaseSpec(name=PHASE, steps=(SUBMISSION_STEP, REVIEW_STEP), run=run)
