from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cycles.models import ReportAttribute
from cycles.plain_text import meaningful
from cycles.strict_fields import StrictBooleanField, StrictIntegerField

from . import decision_rules
from .models import Recommendation

MAX_DECISIONS = 5000


class RecommendationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Recommendation
        fields = ["include", "risk_score", "rationale", "source", "fallback_reason"]


class AttributeSerializer(serializers.ModelSerializer):
    recommendation = serializers.SerializerMethodField()

    class Meta:
        model = ReportAttribute
        fields = [
            "id",
            "name",
            "description",
            "data_type",
            "line_number",
            "is_primary_key",
            "is_cde",
            "has_historical_issues",
            "is_mandatory",
            "recommendation",
        ]

    @extend_schema_field(RecommendationSerializer(allow_null=True))
    def get_recommendation(self, attribute):
        rec = self.context["recommendations"].get(attribute.pk)
        return RecommendationSerializer(rec).data if rec else None


class DecisionSerializer(serializers.Serializer):
    attribute_id = StrictIntegerField(min_value=1, max_value=2**63 - 1)
    include = StrictBooleanField()
    rationale = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=decision_rules.MAX_RATIONALE, trim_whitespace=True
    )


class TesterReviewSerializer(serializers.Serializer):
    decisions = serializers.ListField(child=DecisionSerializer(), allow_empty=False, max_length=MAX_DECISIONS)

    def validate_against(self, rules) -> dict:
        """Field errors keyed by attribute id, from the shared rules."""
        choices = [decision_rules.Choice(**d) for d in self.validated_data["decisions"]]
        errors: dict = {}
        for attribute_id, message in decision_rules.problems(rules, choices):
            key = str(attribute_id) if attribute_id is not None else "non_field_errors"
            errors.setdefault(key, []).append(message)
        return errors

    def payload(self) -> dict:
        return {
            "decisions": [
                {"attribute_id": d["attribute_id"], "include": d["include"], "rationale": meaningful(d["rationale"])}
                for d in self.validated_data["decisions"]
            ]
        }
