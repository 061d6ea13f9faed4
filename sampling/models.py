"""A report's population (the uploaded file and its records) is evidence an
examiner may ask for years later: rows are never edited nor deleted (PROTECT
everywhere), and a new upload is a new version."""
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from cycles.immutable import ImmutableModel
from reviews.models import ApprovalRecord, SubmittedVersion

# Longest record key and column name kept. A key is an identifier (a loan
# number, an account id); anything longer is refused with its row number.
KEY_MAX_LENGTH = 255


class Population(models.Model):
    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    cycle_report = models.ForeignKey(
        "cycles.CycleReport", on_delete=models.PROTECT, related_name="populations"
    )
    # 1, 2, ... per cycle report; the highest is the current population.
    version = models.PositiveIntegerField()
    # Where the file is in storages["populations"]: a generated name, never
    # the uploader's (which could traverse folders or collide).
    storage_name = models.CharField(max_length=255, unique=True)
    # The uploader's file name without folders or control characters, for display only.
    original_name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField(help_text="bytes")
    sha256 = models.CharField(max_length=64, help_text="SHA-256 of the file as uploaded (hex)")
    file_format = models.CharField(max_length=4, choices=Format.choices)
    rows = models.PositiveIntegerField(help_text="records (the header and blank rows not counted)")
    key_column = models.CharField(max_length=KEY_MAX_LENGTH)
    columns = models.JSONField(help_text="the header, in order")
    # {"<column name>": <attribute id>} for the columns matched to an attribute.
    column_attributes = models.JSONField(default=dict)
    unmatched_columns = models.JSONField(default=list)
    # Ids of in-scope attributes that no column matched.
    missing_attributes = models.JSONField(default=list)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="uploaded_populations"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cycle_report", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["cycle_report", "version"], name="population_version_unique"),
            models.CheckConstraint(condition=Q(version__gte=1), name="population_version_positive"),
        ]

    def __str__(self):
        return f"Population v{self.version} of {self.cycle_report}"

    def save(self, *args, **kwargs):
        # Only the row count is filled in after the records are written, in
        # the same transaction as the upload; nothing else ever changes.
        if not self._state.adding and set(kwargs.get("update_fields") or ()) != {"rows"}:
            raise ValidationError("A population is immutable once saved: upload a new version")
        super().save(*args, **kwargs)

    @classmethod
    def current_for(cls, cycle_report) -> "Population | None":
        """The cycle report's newest population, or None before any upload."""
        return cls.objects.filter(cycle_report=cycle_report).order_by("-version").first()

    def attribute_columns(self) -> dict[int, str]:
        """{attribute id: column name} for the matched columns."""
        return {attribute_id: column for column, attribute_id in self.column_attributes.items()}


class PopulationRecord(models.Model):
    # No index of its own: the unique (population, key) index below starts
    # with population_id and serves every query by population.
    population = models.ForeignKey(
        Population, on_delete=models.PROTECT, related_name="records", db_index=False
    )
    # The record's row in the file, the header being row 1 (what a
    # spreadsheet shows beside it).
    row_number = models.PositiveIntegerField()
    key = models.CharField(max_length=KEY_MAX_LENGTH)
    # {"<attribute id>": "text exactly as in the file"} for the matched columns.
    values = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["population", "key"], name="population_record_key_unique"),
        ]

    def __str__(self):
        return self.key


class SampleSet(SubmittedVersion):
    """One round of the tester's selection: a version of the sample, with what
    an examiner needs to re-perform it (population, method, size, seed,
    attribute, manual changes and their reasons)."""

    population = models.ForeignKey(Population, on_delete=models.PROTECT, related_name="sample_sets")
    method = models.CharField(max_length=20)
    size = models.PositiveIntegerField(null=True, blank=True, help_text="as asked (random, stratified, top)")
    seed = models.PositiveBigIntegerField(null=True, blank=True)
    stratify_by = models.ForeignKey(
        "cycles.ReportAttribute", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    order_by = models.ForeignKey(
        "cycles.ReportAttribute", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rationale = models.TextField(blank=True)
    description = models.TextField(help_text="the draw in words (sampling.draws.describe)")
    # {"added": [[key, reason], ...], "removed": [[key, reason], ...]}
    changes = models.JSONField(default=dict)
    samples = models.PositiveIntegerField()


class SampleItem(ImmutableModel):
    sample_set = models.ForeignKey(SampleSet, on_delete=models.PROTECT, related_name="items")
    record = models.ForeignKey(PopulationRecord, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField()
    reason = models.TextField()

    class Meta:
        ordering = ["sample_set", "position"]
        constraints = [
            models.UniqueConstraint(fields=["sample_set", "record"], name="sample_item_once_per_set"),
            models.UniqueConstraint(fields=["sample_set", "position"], name="sample_item_position_unique"),
        ]


class SampleApproval(ApprovalRecord):
    """The report owner's answer to one version of the sample."""

    sample_set = models.OneToOneField(SampleSet, on_delete=models.PROTECT, related_name="approval")
