from django.conf import settings
from django.db import models
from django.db.models import Q

from cycles.immutable import ImmutableModel
from reviews.models import ApprovalRecord, SubmittedVersion


class Recommendation(models.Model):
    cycle_report = models.ForeignKey(
        "cycles.CycleReport", on_delete=models.CASCADE, related_name="recommendations"
    )
    attribute = models.ForeignKey("cycles.ReportAttribute", on_delete=models.CASCADE, related_name="recommendations")
    include = models.BooleanField()
    risk_score = models.PositiveSmallIntegerField()
    rationale = models.TextField()
    # "rules", or the model's name as the endpoint returned it.
    source = models.CharField(max_length=100)
    # The prompt's id@sha256-prefix for a model's answer; the rule set's
    # version for a rule-based one.
    prompt_version = models.CharField(max_length=100, blank=True, default="")
    # Why the model's answer was not used (null unless it fell back to rules).
    fallback_reason = models.TextField(null=True, blank=True)
    # The ledger row of the call that answered (or whose answer was unusable).
    model_call = models.ForeignKey(
        "ModelCall", on_delete=models.PROTECT, null=True, blank=True, related_name="recommendations"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["cycle_report", "attribute"], name="one_recommendation_per_attribute"
            ),
            models.CheckConstraint(
                condition=Q(risk_score__gte=0) & Q(risk_score__lte=100), name="risk_score_0_100"
            ),
        ]


class ScopingSubmission(SubmittedVersion):
    """One round of the tester's review: a version of the scoping decisions."""

    overrides = models.PositiveIntegerField(default=0)


class ScopingDecision(ImmutableModel):
    submission = models.ForeignKey(ScopingSubmission, on_delete=models.PROTECT, related_name="decisions")
    attribute = models.ForeignKey("cycles.ReportAttribute", on_delete=models.PROTECT, related_name="+")
    include = models.BooleanField()
    rationale = models.TextField(blank=True)
    overrides_recommendation = models.BooleanField(default=False)
    # Copied from the attribute so that the database itself refuses excluding
    # a primary key.
    attribute_is_primary_key = models.BooleanField(default=False)

    class Meta:
        ordering = ["submission", "attribute__line_number", "attribute_id"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "attribute"], name="one_decision_per_attribute"),
            models.CheckConstraint(
                condition=Q(include=True) | Q(attribute_is_primary_key=False),
                name="primary_key_always_in_scope",
            ),
            models.CheckConstraint(
                condition=Q(overrides_recommendation=False) | ~Q(rationale=""),
                name="override_needs_rationale",
            ),
        ]


class OwnerDecision(ApprovalRecord):
    """The report owner's answer to one version of the scoping decisions."""

    submission = models.OneToOneField(
        ScopingSubmission, on_delete=models.PROTECT, related_name="owner_decision"
    )


class ModelCall(models.Model):
    """The ledger of model versus people: one row per request to a language
    model, written by the recommendation activity and never changed. The
    prompt itself is not kept (its version and the request's hash identify
    it); the answer is kept as received, the API key redacted."""

    class Outcome(models.TextChoices):
        VALID = "valid", "Valid: every attribute answered"
        PARTIAL = "partial", "Partial: some attributes missing or invalid"
        INVALID = "invalid", "Invalid: no usable entry"
        TRUNCATED = "truncated", "Truncated at the token limit"
        MALFORMED = "malformed", "Malformed: not the JSON asked for"
        UNAVAILABLE = "unavailable", "Unavailable (retried)"
        REFUSED = "refused", "Refused by the endpoint (not retried)"

    cycle_report = models.ForeignKey("cycles.CycleReport", on_delete=models.PROTECT, related_name="model_calls")
    workflow_id = models.CharField(max_length=200, blank=True)
    run_id = models.CharField(max_length=100, blank=True)
    attempt = models.PositiveIntegerField(help_text="the recommendation activity's attempt")
    batch = models.PositiveIntegerField(help_text="the batch's number within the attempt")
    ask = models.PositiveSmallIntegerField(help_text="1 for the batch, 2 when asking again for what was unusable")
    attribute_ids = models.JSONField(help_text="the attributes asked about")
    requested_model = models.CharField(max_length=200)
    model = models.CharField(max_length=200, blank=True, help_text="as the endpoint named it in its answer")
    prompt_version = models.CharField(max_length=100)
    output_mode = models.CharField(max_length=20)
    request_sha256 = models.CharField(max_length=64)
    started_at = models.DateTimeField()
    latency_ms = models.PositiveIntegerField()
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    finish_reason = models.CharField(max_length=40, blank=True)
    prompt_tokens = models.PositiveIntegerField(null=True, blank=True)
    completion_tokens = models.PositiveIntegerField(null=True, blank=True)
    total_tokens = models.PositiveIntegerField(null=True, blank=True)
    raw_answer = models.TextField(blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    valid_count = models.PositiveIntegerField(default=0)
    problem_count = models.PositiveIntegerField(default=0)
    detail = models.TextField(blank=True, help_text="the validation problems or the error, in our words")

    class Meta:
        ordering = ["started_at", "id"]
        indexes = [models.Index(fields=["cycle_report", "started_at"])]

    def __str__(self):
        return f"{self.model or self.requested_model} call for {self.cycle_report_id} (attempt {self.attempt}, batch {self.batch})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError("The model-call ledger is append-only")
        super().save(*args, **kwargs)
