"""The Scoping phase as the workflow runs it: its messages, its activities,
its two human steps and its flow.

A recommender advises on every attribute; the tester reviews them (include
or exclude, a rationale for each override); the report owner approves or
sends the review back with comments, and the tester reviews again. Whether
the owner must approve follows the report's policy (the apply activity
says).

Django-free: the workflow imports this module (cycles/workflow_phases.py)."""

from dataclasses import dataclass, field
from datetime import timedelta
from temporalio.common import RetryPolicy

from cycles.human_steps import (
    ActivityRef,
    ApprovalApplied,
    ApprovalSubmission,
    PhaseContext,
    PhaseSpec,
    StepSpec,
    approval_problems,
)
from cycles.workflow_types import Applying, ApplyApproval, PhaseRequest

from . import decision_rules

PHASE = "Scoping"
TESTER_REVIEW = "tester_review"
REPORT_OWNER_APPROVAL = "report_owner_approval"


# --- Messages (the Updates' arguments) -------------------------------------

@dataclass
class Decision:
    attribute_id: int
    include: bool
    rationale: str = ""


@dataclass
class TesterReviewSubmission:
    submission_id: str
    submitted_by: str
    on_behalf_of: str
    # The decisions as JSON objects ({"attribute_id", "include",
    # "rationale"}), read through choices(): the SDK's converter builds a
    # typed dataclass per item by reading its type hints each time, which
    # was a sixth of the CPU of a 200-decision review (issue 15). The
    # payload is the same JSON either way, so recorded runs replay alike.
    decisions: list[dict] = field(default_factory=list)

    def choices(self) -> list[Decision]:
        return [d if isinstance(d, Decision) else Decision(**d) for d in self.decisions]


# --- Activities --------------------------------------------------------------

@dataclass
class ApplyTesterReview(Applying):
    submission: TesterReviewSubmission


@dataclass
class ReviewApplied:
    version: int
    overrides: int
    requires_approval: bool


GENERATE_RECOMMENDATIONS = ActivityRef(
    "generate_llm_recommendations_activity",
    PhaseRequest,
    # Counts only, never read by the workflow; untyped, so that the integer
    # results of runs recorded before the language model replay too.
    None,
    # May call a language model: slower, fewer attempts.
    options=dict(
        start_to_close_timeout=timedelta(minutes=10),
        # The activity heartbeats between batches; a worker that died is
        # noticed within a minute and the next attempt resumes.
        heartbeat_timeout=timedelta(minutes=1),
        retry_policy=RetryPolicy(
            initial_interval=timedelta(seconds=5),
            maximum_interval=timedelta(minutes=5),
            maximum_attempts=10,
        ),
    ),
)
APPLY_TESTER_REVIEW = ActivityRef("apply_tester_review_activity", ApplyTesterReview, ReviewApplied, local=True)
APPLY_OWNER_APPROVAL = ActivityRef("apply_report_owner_approval_activity", ApplyApproval, ApprovalApplied, local=True)


# --- The rules the workflow's validators apply (the forms use the same) -----

def attribute_rules(rules: dict) -> dict[int, decision_rules.Rule]:
    """TaskTerms.rules of a review: {"attributes": [[id, recommended_include, is_primary_key], ...]}."""
    return {a: decision_rules.Rule(bool(inc), bool(pk)) for a, inc, pk in rules.get("attributes", [])}


def review_problems(rules: dict[int, decision_rules.Rule], submission: TesterReviewSubmission) -> list[str]:
    found = decision_rules.problems(rules, submission.choices())
    return [f"attribute {a}: {m}" if a is not None else m for a, m in found[:20]]


TESTER_REVIEW_STEP = StepSpec(
    kind=TESTER_REVIEW,
    update="submit_tester_review",
    signal="tester_review_signal",
    message=TesterReviewSubmission,
    apply=APPLY_TESTER_REVIEW,
    prepare=attribute_rules,
    validate=review_problems,
)
REPORT_OWNER_APPROVAL_STEP = StepSpec(
    kind=REPORT_OWNER_APPROVAL,
    update="submit_report_owner_approval",
    signal="report_owner_approval_signal",
    message=ApprovalSubmission,
    apply=APPLY_OWNER_APPROVAL,
    validate=approval_problems,
)


# --- The flow ----------------------------------------------------------------

async def run(ctx: PhaseContext) -> None:
    await ctx.activity(GENERATE_RECOMMENDATIONS, ctx.phase_request())
    round_no = 1
    while True:
        review: ReviewApplied = await ctx.human_step(TESTER_REVIEW_STEP, round_no)
        if not review.requires_approval:
            return
        approval: ApprovalApplied = await ctx.human_step(REPORT_OWNER_APPROVAL_STEP, round_no)
        if approval.approved:
            return
        round_no += 1


SCOPING = PhaseSpec(name=PHASE, steps=(TESTER_REVIEW_STEP, REPORT_OWNER_APPROVAL_STEP), run=run)

