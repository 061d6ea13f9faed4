"""Activities of the Sample Selection phase: applying the tester's selection
(the sample is drawn here, reproducibly) and the owner's decision."""
from __future__ import annotations

from cycles.human_steps import ApprovalApplied
from reviews.applying import Submitted, apply_activity

from . import selection
from . import workflow_steps as w


@apply_activity(w.APPLY_SELECTION)
def apply_sample_selection_activity(submitted: Submitted) -> w.SampleSelected:
    saved = selection.record_selection(submitted)
    return w.SampleSelected(version=saved.version, samples=saved.samples, seed=saved.seed)


@apply_activity(w.APPLY_APPROVAL)
def apply_sample_approval_activity(submitted: Submitted) -> ApprovalApplied:
    decision = selection.record_approval(submitted)
    return ApprovalApplied(decision.version, decision.approved, decision.comments)


ACTIVITIES = [apply_sample_selection_activity, apply_sample_approval_activity]
