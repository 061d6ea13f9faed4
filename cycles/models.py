from django.conf import settings
from django.db import models
from django.db.models import Q


class TestCycle(models.Model):
    name = models.CharField(max_length=200, unique=True)
    period_end = models.DateField(help_text="Reporting period the cycle tests, e.g. 2026-09-30")
    test_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="managed_cycles"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Per-cycle overrides of HUMAN_TASK_DUE_AFTER / HUMAN_TASK_REMIND_EVERY (seconds).
    human_task_due_after = models.PositiveIntegerField(null=True, blank=True)
    human_task_remind_every = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(human_task_due_after__isnull=True) | Q(human_task_due_after__gt=0),
                name="cycle_due_after_positive",
            ),
            models.CheckConstraint(
                condition=Q(human_task_remind_every__isnull=True) | Q(human_task_remind_every__gt=0),
                name="cycle_remind_every_positive",
            ),
        ]

    def __str__(self):
        return self.name

    __test__ = False  # not a pytest test class despite its name


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


class CycleReport(models.Model):
    """A report within a test cycle: the unit one workflow orchestrates."""

    class Phase(models.TextChoices):
        SCOPING = "Scoping", "Scoping"

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"

    cycle = models.ForeignKey(TestCycle, on_delete=models.PROTECT, related_name="cycle_reports")
    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="cycle_reports")
    tester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tested_cycle_reports"
    )
    report_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_cycle_reports"
    )
    current_phase = models.CharField(max_length=40, choices=Phase.choices, default=Phase.SCOPING)
    scoping_status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.NOT_STARTED
    )
    workflow_id = models.CharField(max_length=200, unique=True, null=True, blank=True)
    workflow_run_id = models.CharField(max_length=100, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["cycle", "report__name"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "report"], name="one_report_per_cycle"),
            models.CheckConstraint(
                condition=~Q(tester=models.F("report_owner")),
                name="tester_is_not_report_owner",
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
