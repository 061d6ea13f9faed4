"""Who may add evidence for a record, and when: the provider's task must be
open, the user its assignee or their delegate, the record one of the round."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied

from reviews import human_tasks

from . import rounds
from .errors import NotAwaitingEvidence, UnknownSample
from .workflow_steps import EVIDENCE_SUBMISSION


def sample_of(cycle_report, sample_id: int):
    """The approved sample's record `sample_id`, or UnknownSample (404)."""
    item = rounds.samples(cycle_report).filter(pk=sample_id).first()
    if item is None:
        raise UnknownSample(f"Sample {sample_id} is not in this report's approved sample.")
    return item


def upload_target(cycle_report, user, sample_id: int):
    """The record evidence may be added to by `user` now. Raises
    NotAwaitingEvidence (409), PermissionDenied (403), UnknownSample (404)."""
    task = human_tasks.active_task(cycle_report, EVIDENCE_SUBMISSION)
    if task is None:
        raise NotAwaitingEvidence("This report is not awaiting evidence.")
    if human_tasks.acting_for(user, task) is None:
        raise PermissionDenied(
            f"The evidence is {task.assignee.get_username()}'s to provide, or their delegate's."
        )
    item = sample_of(cycle_report, sample_id)
    if item.pk in rounds.accepted_ids(cycle_report):
        raise NotAwaitingEvidence(f"The evidence for sample {sample_id} was accepted: it takes no more files.")
    return item
