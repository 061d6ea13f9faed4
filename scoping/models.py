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
    source = models.CharField(max_length=100)
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
