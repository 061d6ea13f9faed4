"""The Sample Selection phase as the workflow runs it: the tester selects the
sample of records to test from the report's population (drawn reproducibly
by the apply activity), the report owner approves it or sends it back with
comments, and the tester selects again.

Django-free: the workflow imports this module (cycles/workflow_phases.py).
No `from __future__ import annotations`: see cycles/human_steps.py."""
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Optional

from cycles.human_steps import (
    DB_ACTIVITY,
    ActivityRef,
    ApprovalApplied,
    ApprovalSubmission,
    PhaseContext,
    PhaseSpec,
    StepSpec,
    approval_problems,
)
from cycles.workflow_types import Applying, ApplyApproval

from . import selection_rules

PHASE = "Sample Selection"
SAMPLE_SELECTION = "sample_selection"
SAMPLE_APPROVAL = "sample_approval"


@dataclass
class SampleSelectionSubmission:
    submission_id: str
    submitted_by: str
    on_behalf_of: str
    method: str
    size: int = 0
    seed: Optional[int] = None  # none given: generated when drawn (sampling.selection.seed_for)
    stratify_by: Optional[int] = None
    order_by: Optional[int] = None
    record_keys: list[str] = field(default_factory=list)
    add_keys: list[str] = field(default_factory=list)
    remove_keys: list[str] = field(default_factory=list)
    rationale: str = ""
    population_id: int = 0  # the population it is drawn from, fixed when submitted


@dataclass
class ApplySampleSelection(Applying):
    submission: SampleSelectionSubmission


@dataclass
class SampleSelected:
    version: int
    samples: int
    seed: Optional[int] = None  # random and stratified draws


APPLY_SELECTION = ActivityRef(
    "apply_sample_selection_activity",
    ApplySampleSelection,
    SampleSelected,
    # Drawing from a population of millions reads it once: allow minutes.
    options={**DB_ACTIVITY, "start_to_close_timeout": timedelta(minutes=10)},
)
APPLY_APPROVAL = ActivityRef("apply_sample_approval_activity", ApplyApproval, ApprovalApplied, local=True)


def selection_problems(_rules, submission: SampleSelectionSubmission) -> list[str]:
    found = selection_rules.problems(submission)
    if not submission.population_id:
        found.append("the population to draw from is missing")
    return found


SELECTION_STEP = StepSpec(
    kind=SAMPLE_SELECTION,
    update="submit_sample_selection",
    message=SampleSelectionSubmission,
    apply=APPLY_SELECTION,
    validate=selection_problems,
)
APPROVAL_STEP = StepSpec(
    kind=SAMPLE_APPROVAL,
    update="submit_sample_approval",
    message=ApprovalSubmission,
    apply=APPLY_APPROVAL,
    validate=approval_problems,
)


async def run(ctx: PhaseContext) -> None:
    round_no = 1
    while True:
        await ctx.human_step(SELECTION_STEP, round_no)
        approval: ApprovalApplied = await ctx.human_step(APPROVAL_STEP, round_no)
        if approval.approved:
            return
        round_no += 1


SAMPLE_SELECTION_PHASE = PhaseSpec(name=PHASE, steps=(SELECTION_STEP, APPROVAL_STEP), run=run)
