"""Recording the two steps' submissions (called by the apply activities,
idempotent by message id) and the test results they settle."""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from reviews import approvals, notifications
from reviews.applying import Refused, Submitted
from reviews.separation_of_duties import people_of_record

from . import comparison, evidence_rules, rounds
from .models import (
    EvidenceDecision,
    EvidenceFile,
    EvidenceReview,
    EvidenceSubmission,
    SubmittedEvidence,
    TestResult,
)


def record_submission(submitted: Submitted) -> EvidenceSubmission:
    cycle_report, message = submitted.cycle_report, submitted.message
    existing = EvidenceSubmission.objects.filter(message_id=message.submission_id).first()
    if existing:  # a retried activity: the first attempt committed
        return existing
    now = timezone.now()
    with transaction.atomic():
        cycle_report.lock()
        expected = [item.pk for item in rounds.awaiting_evidence(cycle_report)]
        attributes = [a.pk for a in rounds.attributes_in_scope(cycle_report)]
        problems = evidence_rules.submission_problems(expected, attributes, message.samples)
        if problems:
            raise Refused("; ".join(problems))
        wanted_files = {f for s in message.samples for f in s.file_ids}
        files = {
            f.pk: f for f in EvidenceFile.objects.filter(pk__in=wanted_files, cycle_report=cycle_report)
        }
        for s in message.samples:
            if any(files.get(pk) is None or files[pk].sample_id != s.sample_id for pk in s.file_ids):
                raise Refused(f"sample {s.sample_id}: a file named is not this record's evidence")
        version = approvals.supersede_current(EvidenceSubmission, cycle_report, now)
        saved = EvidenceSubmission.objects.create(
            cycle_report=cycle_report,
            version=version,
            message_id=message.submission_id,
            submitted_by=submitted.submitted_by,
            on_behalf_of=submitted.on_behalf_of,
            submitted_at=now,
            samples=len(message.samples),
        )
        for s in message.samples:
            item = SubmittedEvidence.objects.create(
                submission=saved, sample_id=s.sample_id,
                source_values={str(k): str(v) for k, v in s.source_values.items()}, note=s.note,
            )
            item.files.set(s.file_ids)
        submitted.applied(f"Evidence round {version}: {len(message.samples)} records, {len(wanted_files)} files")
    return saved


def record_review(submitted: Submitted) -> EvidenceReview:
    cycle_report, message = submitted.cycle_report, submitted.message
    existing = EvidenceReview.objects.filter(message_id=message.submission_id).first()
    if existing:
        return existing
    with transaction.atomic():
        cycle_report.lock()
        submission = rounds.current_submission(cycle_report)
        if submission is None or EvidenceReview.objects.filter(submission=submission).exists():
            raise Refused("there is no evidence awaiting review")
        providers = people_of_record(submission)
        if submitted.submitted_by.pk in providers or submitted.on_behalf_of.pk in providers:
            raise Refused("whoever submitted the evidence, or had it submitted for them, cannot review it")
        problems = evidence_rules.review_problems(rounds.under_review(cycle_report), message.decisions)
        if problems:
            raise Refused("; ".join(problems))
        review = EvidenceReview.objects.create(
            cycle_report=cycle_report,
            submission=submission,
            version=submission.version,
            message_id=message.submission_id,
            decided_by=submitted.submitted_by,
            on_behalf_of=submitted.on_behalf_of,
            decided_at=timezone.now(),
            submitter_of_record=submission.submitted_by,
            submitted_for=submission.on_behalf_of,
        )
        EvidenceDecision.objects.bulk_create(
            EvidenceDecision(review=review, sample_id=d.sample_id, accepted=d.accepted, comments=(d.comments or "").strip())
            for d in message.decisions
        )
        accepted = [d.sample_id for d in message.decisions if d.accepted]
        compare(cycle_report, submission, accepted)
        returned = [d for d in message.decisions if not d.accepted]
        submitted.applied(f"Evidence round {submission.version} reviewed: {len(accepted)} accepted, {len(returned)} returned")
        if returned:
            notifications.report_event(
                "changes_requested",
                "Evidence returned",
                cycle_report,
                [submission.submitted_by, submission.on_behalf_of],
                note="; ".join(f"sample {d.sample_id}: {d.comments.strip()}" for d in returned),
            )
    return review


def compare(cycle_report, submission: EvidenceSubmission, sample_ids: list[int]) -> int:
    """Version 1 of the test results of the accepted records: reported
    (population) against source (evidence), per attribute in scope."""
    attributes = rounds.attributes_in_scope(cycle_report)
    items = SubmittedEvidence.objects.filter(submission=submission, sample_id__in=sample_ids).select_related("sample__record")
    rows = []
    for item in items:
        reported_values = item.sample.record.values
        for attribute in attributes:
            reported = str(reported_values.get(str(attribute.pk), ""))
            source = str(item.source_values.get(str(attribute.pk), ""))
            rows.append(
                TestResult(
                    cycle_report=cycle_report, sample=item.sample, attribute=attribute, evidence=item, version=1,
                    reported=reported, source=source, match=comparison.matches(attribute.data_type, reported, source),
                )
            )
    TestResult.objects.bulk_create(rows)
    return len(rows)
