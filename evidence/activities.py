"""Activities of the Evidence phase: applying the provider's evidence and
the tester's review of it."""
from __future__ import annotations

from reviews.applying import Submitted, apply_activity

from . import records
from . import workflow_steps as w


@apply_activity(w.APPLY_SUBMISSION)
def apply_evidence_submission_activity(submitted: Submitted) -> w.EvidenceSubmitted:
    saved = records.record_submission(submitted)
    return w.EvidenceSubmitted(version=saved.version, samples=saved.samples)


@apply_activity(w.APPLY_REVIEW)
def apply_evidence_review_activity(submitted: Submitted) -> w.EvidenceReviewed:
    review = records.record_review(submitted)
    decisions = list(review.decisions.values_list("accepted", flat=True))
    return w.EvidenceReviewed(version=review.version, accepted=decisions.count(True), returned=decisions.count(False))


ACTIVITIES = [apply_evidence_submission_activity, apply_evidence_review_activity]
