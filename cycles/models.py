from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q


class TestCycle(models.Model):
    class DueUnit(models.TextChoices):
        BUSINESS_DAYS = "business_days", "business days"
        DAYS = "days", "days"
        HOURS = "hours", "hours"
        MINUTES = "minutes", "minutes"
        SECONDS = "seconds", "seconds"

    class ReminderUnit(models.TextChoices):
        DAYS = "days", "days"
        HOURS = "hours", "hours"
        MINUTES = "minutes", "minutes"
        SECONDS = "seconds", "seconds"

    name = models.CharField(max_length=200, unique=True)
    period_end = models.DateField(help_text="Reporting period the cycle tests, e.g. 2026-09-30")
    test_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="managed_cycles"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Per-cycle durations of human tasks, with their units (blank: the site's
    # HUMAN_TASK_DUE_AFTER / HUMAN_TASK_REMIND_EVERY). Minimums apply
    # (reviews.due_dates).
    task_due_amount = models.PositiveIntegerField(
        "tasks due after", null=True, blank=True, validators=[MinValueValidator(1)]
    )
    task_due_unit = models.CharField(max_length=20, choices=DueUnit.choices, default=DueUnit.BUSINESS_DAYS)
    reminder_amount = models.PositiveIntegerField(
        "remind every", null=True, blank=True, validators=[MinValueValidator(1)]
    )
    reminder_unit = models.CharField(max_length=20, choices=ReminderUnit.choices, default=ReminderUnit.DAYS)
    max_reminders = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Reminders before only the escalation continues (0: no limit; blank: the site's default)."
    )
    # How many records a report's sample holds unless the tester says
    # otherwise; SAMPLE_SIZE_DEFAULT when not set.
    sample_size_default = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(task_due_amount__isnull=True) | Q(task_due_amount__gt=0),
                name="cycle_due_after_positive",
            ),
            models.CheckConstraint(
                condition=Q(reminder_amount__isnull=True) | Q(reminder_amount__gt=0),
                name="cycle_remind_every_positive",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        minimums = (
            ("task_due_amount", self.task_due_amount, self.task_due_unit, "HUMAN_TASK_MIN_DUE_AFTER"),
            ("reminder_amount", self.reminder_amount, self.reminder_unit, "HUMAN_TASK_MIN_REMIND_EVERY"),
        )
        for field, amount, unit, setting in minimums:
            if amount:
                seconds = amount * UNIT_SECONDS.get(unit, 86400)
                minimum = getattr(settings, setting)
                if seconds < minimum:
                    errors[field] = f"At least {_plain(minimum)}: shorter would flood people with e-mails."
        if errors:
            raise ValidationError(errors)

    @property
    def sample_size(self) -> int:
        return self.sample_size_default or settings.SAMPLE_SIZE_DEFAULT

    __test__ = False  # not a pytest test class despite its name


# Seconds per unit, for the minimums (a business day is at least a day).
UNIT_SECONDS = {"business_days": 86400, "days": 86400, "hours": 3600, "minutes": 60, "seconds": 1}


def _plain(seconds: int) -> str:
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds} second{'' if seconds == 1 else 's'}"


class Report(models.Model):
    class ApprovalPolicy(models.TextChoices):
        ALWAYS = "always", "Always"
        ON_OVERRIDE = "on_override", "Only when the tester overrides a recommendation"

    name = models.CharField(max_length=200, unique=True)
    regulation = models.CharField(max_length=100, help_text="e.g. FR Y-14Q, FFIEC 031")
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_reports"
    )
    owner_approval_policy = models.CharField(
        max_length=20, choices=ApprovalPolicy.choices, default=ApprovalPolicy.ALWAYS
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class ReportAttribute(models.Model):
    """An attribute (data element) of a report: the report's catalogue.

    Once a report in a cycle is started, the attributes it was started with
    are frozen for it (CycleReportAttribute), so that a later change of the
    catalogue never alters a cycle already under way."""

    class DataType(models.TextChoices):
        STRING = "string", "String"
        INTEGER = "integer", "Integer"
        DECIMAL = "decimal", "Decimal"
        DATE = "date", "Date"
        BOOLEAN = "boolean", "Boolean"
        CODE = "code", "Code (enumerated)"

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="attributes")
    line_number = models.PositiveIntegerField(default=0)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    data_type = models.CharField(max_length=20, choices=DataType.choices)
    is_primary_key = models.BooleanField(default=False)
    is_cde = models.BooleanField("critical data element", default=False)
    has_historical_issues = models.BooleanField(default=False)
    is_mandatory = models.BooleanField(default=False)
    # Set when a catalogue import changed or removed an attribute that a
    # started report in a cycle is frozen with: the row stays as it was for
    # that cycle, and the catalogue goes on with a new row (cycles.catalogue_import).
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # Created by the Scoping app before attributes became the core's; the
        # table keeps its name so that no data moves.
        db_table = "scoping_reportattribute"
        ordering = ["report", "line_number", "id"]
        constraints = [
            # Names are unique among the catalogue's current attributes; a
            # retired row may share its name with the one that replaced it.
            models.UniqueConstraint(
                fields=["report", "name"], condition=Q(retired_at__isnull=True), name="attribute_name_unique_in_report"
            ),
        ]

    def __str__(self):
        return self.name

    @classmethod
    def current(cls):
        """The catalogues as they stand (retired rows only serve the cycle
        reports frozen with them)."""
        return cls.objects.filter(retired_at__isnull=True)


class CycleReport(models.Model):
    """A report within a test cycle: the unit one workflow orchestrates."""

    cycle = models.ForeignKey(TestCycle, on_delete=models.PROTECT, related_name="cycle_reports")
    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="cycle_reports")
    # Blank while the test manager sets the cycle up (a report is added,
    # people are assigned later, one by one or in bulk); a report without
    # them cannot start (cycles.cycle_start).
    tester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="tested_cycle_reports"
    )
    report_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="owned_cycle_reports"
    )
    # Who provides the evidence for the sampled records (the Evidence phase).
    data_provider = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="provided_cycle_reports"
    )
    # The phase the workflow is in (a registered phase's name), kept by the
    # phase activities; "" before the workflow starts.
    current_phase = models.CharField(max_length=40, blank=True, default="")
    workflow_id = models.CharField(max_length=200, unique=True, null=True, blank=True)
    workflow_run_id = models.CharField(max_length=100, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    attributes = models.ManyToManyField(ReportAttribute, through="CycleReportAttribute", related_name="+")

    class Meta:
        ordering = ["cycle", "report__name"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "report"], name="one_report_per_cycle"),
            models.CheckConstraint(
                condition=~Q(tester=models.F("report_owner")),
                name="tester_is_not_report_owner",
            ),
            # The tester reviews the provider's evidence: never their own.
            models.CheckConstraint(
                condition=Q(data_provider__isnull=True) | ~Q(data_provider=models.F("tester")),
                name="tester_is_not_data_provider",
            ),
        ]

    def __str__(self):
        return f"{self.report} in {self.cycle}"

    @staticmethod
    def workflow_id_for(cycle_id: int, report_id: int) -> str:
        return f"test-cycle-{cycle_id}-report-{report_id}"

    @property
    def expected_workflow_id(self) -> str:
        return self.workflow_id_for(self.cycle_id, self.report_id)

    def lock(self) -> None:
        """Hold this report's row lock until the transaction ends, so that
        its phases' versioned writes take turns. Reads the id only: the row
        is already in hand."""
        CycleReport.objects.select_for_update().filter(pk=self.pk).values_list("pk", flat=True).get()


class CycleReportAttribute(models.Model):
    """The attributes a report in a cycle was started with (frozen), and
    whether each is in scope once Scoping has decided (null until then).
    Later phases test the attributes in scope."""

    cycle_report = models.ForeignKey(CycleReport, on_delete=models.CASCADE, related_name="frozen_attributes")
    attribute = models.ForeignKey(ReportAttribute, on_delete=models.PROTECT, related_name="cycle_reports")
    in_scope = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["cycle_report", "attribute__line_number", "attribute_id"]
        constraints = [
            models.UniqueConstraint(fields=["cycle_report", "attribute"], name="attribute_once_per_cycle_report"),
        ]


class PhaseStatus(models.Model):
    """Where a report in a cycle stands in one phase (a row per phase started)."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"

    cycle_report = models.ForeignKey(CycleReport, on_delete=models.CASCADE, related_name="phase_statuses")
    phase = models.CharField(max_length=40)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["cycle_report", "started_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cycle_report", "phase"], name="one_status_per_phase"),
        ]

    def __str__(self):
        return f"{self.phase}: {self.get_status_display()}"
