"""Evidence is what an examiner asks for years later: files, submissions,
decisions and test results are never edited nor deleted (PROTECT
everywhere); a new round or a new confirmation is a new row that
supersedes the previous one."""
from django.conf import settings
from django.db import models
from django.db.models import Q

from cycles.immutable import ImmutableModel
from reviews.models import SubmittedVersion


class EvidenceFile(ImmutableModel):
    """One uploaded file for one sampled record, stored under a generated
    name in storages["evidence"] (no URL serves it)."""

    cycle_report = models.ForeignKey("cycles.CycleReport", on_delete=models.PROTECT, related_name="+")
    sample = models.ForeignKey("sampling.SampleItem", on_delete=models.PROTECT, related_name="evidence_files")
    storage_name = models.CharField(max_length=255, unique=True)
    # The uploader's file name without folders or control characters: display only.
    original_name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField(help_text="bytes")
    sha256 = models.CharField(max_length=64, help_text="SHA-256 of the file as uploaded (hex)")
    content_type = models.CharField(max_length=100, help_text="as detected from the content")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sample", "uploaded_at", "id"]

    def __str__(self):
        return self.original_name


class EvidenceDraft(models.Model):
    """What the provider entered for a record and has not submitted yet,
    kept between visits (its files are stored as soon as uploaded)."""

    cycle_report = models.ForeignKey("cycles.CycleReport", on_delete=models.PROTECT, related_name="+")
    sample = models.ForeignKey("sampling.SampleItem", on_delete=models.PROTECT, related_name="+")
    source_values = models.JSONField(default=dict)
    note = models.TextField(blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cycle_report", "sample"], name="evidence_draft_once_per_sample")]


class EvidenceSubmission(SubmittedVersion):
    """One round of the provider's evidence: version N is round N."""

    samples = models.PositiveIntegerField()


class SubmittedEvidence(ImmutableModel):
    """One record's evidence in a round: its source values, note and files."""

    submission = models.ForeignKey(EvidenceSubmission, on_delete=models.PROTECT, related_name="items")
    sample = models.ForeignKey("sampling.SampleItem", on_delete=models.PROTECT, related_name="+")
    source_values = models.JSONField(help_text='{"<attribute id>": "value"}')
    note = models.TextField(blank=True)
    files = models.ManyToManyField(EvidenceFile, related_name="submitted_in")

    class Meta:
        ordering = ["submission", "sample__position"]
        constraints = [models.UniqueConstraint(fields=["submission", "sample"], name="evidence_once_per_round")]


class EvidenceReview(ImmutableModel):
    """The tester's decisions on one round of evidence."""

    cycle_report = models.ForeignKey("cycles.CycleReport", on_delete=models.PROTECT, related_name="+")
    submission = models.OneToOneField(EvidenceSubmission, on_delete=models.PROTECT, related_name="review")
    version = models.PositiveIntegerField()
    message_id = models.CharField(max_length=100, unique=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    on_behalf_of = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()
    # Who submitted the evidence and for whom: the database refuses a review by them.
    submitter_of_record = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_for = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(decided_by=models.F("submitter_of_record"))
                & ~Q(decided_by=models.F("submitted_for"))
                & ~Q(on_behalf_of=models.F("submitter_of_record"))
                & ~Q(on_behalf_of=models.F("submitted_for")),
                name="evidence_review_not_by_provider",
            ),
        ]


class EvidenceDecision(ImmutableModel):
    review = models.ForeignKey(EvidenceReview, on_delete=models.PROTECT, related_name="decisions")
    sample = models.ForeignKey("sampling.SampleItem", on_delete=models.PROTECT, related_name="+")
    accepted = models.BooleanField()
    comments = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "sample"], name="evidence_decision_once_per_sample"),
            models.CheckConstraint(condition=Q(accepted=True) | ~Q(comments=""), name="evidence_returned_with_comments"),
        ]


class TestResult(ImmutableModel):
    """One record × attribute in scope: the reported value (the population)
    against the source value (the accepted evidence). Version 1 is the
    comparison; each confirmation by the tester is a new version."""

    __test__ = False

    class Result(models.TextChoices):
        PASS = "pass", "Pass"
        FAIL = "fail", "Fail"

    cycle_report = models.ForeignKey("cycles.CycleReport", on_delete=models.PROTECT, related_name="+")
    sample = models.ForeignKey("sampling.SampleItem", on_delete=models.PROTECT, related_name="+")
    attribute = models.ForeignKey("cycles.ReportAttribute", on_delete=models.PROTECT, related_name="+")
    evidence = models.ForeignKey(SubmittedEvidence, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField()
    reported = models.TextField(blank=True)
    source = models.TextField(blank=True)
    match = models.BooleanField()
    result = models.CharField(max_length=4, choices=Result.choices, blank=True, help_text="blank until confirmed")
    note = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["cycle_report", "match", "sample__position", "attribute__line_number"]
        constraints = [
            models.UniqueConstraint(fields=["sample", "attribute", "version"], name="test_result_version_unique"),
            models.UniqueConstraint(
                fields=["sample", "attribute"], condition=Q(superseded_at__isnull=True), name="test_result_one_current"
            ),
        ]
