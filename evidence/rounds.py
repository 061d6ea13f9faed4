"""Which records and attributes a round of evidence is about (reads only).

Round 1 asks for every record of the approved sample; each later round
for the records the tester returned; accepted records stay accepted."""
from __future__ import annotations

from cycles.models import CycleReportAttribute
from sampling import selection
from sampling.models import SampleItem

from .models import EvidenceDecision, EvidenceFile, EvidenceSubmission


def attributes_in_scope(cycle_report) -> list:
    """The report's attributes in scope (ReportAttribute rows), in order."""
    rows = (
        CycleReportAttribute.objects.filter(cycle_report=cycle_report, in_scope=True)
        .select_related("attribute")
        .order_by("attribute__line_number", "attribute_id")
    )
    return [row.attribute for row in rows]


def samples(cycle_report):
    """The approved sample's records (SampleItem), in order."""
    sample_set = selection.current(cycle_report)
    if sample_set is None:
        return SampleItem.objects.none()
    return SampleItem.objects.filter(sample_set=sample_set).select_related("record").order_by("position")


def accepted_ids(cycle_report) -> set[int]:
    return set(
        EvidenceDecision.objects.filter(review__cycle_report=cycle_report, accepted=True).values_list("sample_id", flat=True)
    )


def awaiting_evidence(cycle_report) -> list:
    """The records the provider is asked for in the current round."""
    accepted = accepted_ids(cycle_report)
    return [item for item in samples(cycle_report) if item.pk not in accepted]


def current_submission(cycle_report) -> EvidenceSubmission | None:
    return (
        EvidenceSubmission.objects.filter(cycle_report=cycle_report, superseded_at__isnull=True)
        .select_related("submitted_by", "on_behalf_of")
        .first()
    )


def under_review(cycle_report) -> list[int]:
    """The records of the round awaiting the tester's review."""
    submission = current_submission(cycle_report)
    if submission is None or hasattr(submission, "review"):
        return []
    return list(submission.items.order_by("sample__position").values_list("sample_id", flat=True))


def files_by_sample(cycle_report, sample_ids) -> dict[int, list[EvidenceFile]]:
    found: dict[int, list[EvidenceFile]] = {pk: [] for pk in sample_ids}
    for f in EvidenceFile.objects.filter(cycle_report=cycle_report, sample_id__in=list(sample_ids)).order_by("uploaded_at", "id"):
        found[f.sample_id].append(f)
    return found


def submission_rules(cycle_report, context: dict) -> dict:
    return {
        "samples": [item.pk for item in awaiting_evidence(cycle_report)],
        "attributes": [a.pk for a in attributes_in_scope(cycle_report)],
    }


def review_rules(cycle_report, context: dict) -> dict:
    return {"samples": under_review(cycle_report), "attributes": [a.pk for a in attributes_in_scope(cycle_report)]}


def sample_item(pk: int) -> SampleItem:
    return SampleItem.objects.select_related("record").get(pk=pk)
