from rest_framework import serializers

from cycles.strict_fields import StrictIntegerField

from . import selection_rules
from .models import KEY_MAX_LENGTH, Population


def _keys(**kwargs):
    return serializers.ListField(
        child=serializers.CharField(max_length=KEY_MAX_LENGTH), required=False, default=list,
        max_length=selection_rules.MAX_KEYS, **kwargs,
    )


class SampleSelectionSerializer(serializers.Serializer):
    """POST .../sample-selection. The population is the report's current one
    (fixed in the submission); a seed not given is generated when the
    sample is drawn, and answered."""

    method = serializers.ChoiceField(choices=selection_rules.METHODS)
    size = StrictIntegerField(required=False, allow_null=True, min_value=1, max_value=selection_rules.MAX_SIZE)
    seed = StrictIntegerField(required=False, allow_null=True, min_value=0, max_value=selection_rules.MAX_SEED)
    stratify_by = StrictIntegerField(required=False, allow_null=True, min_value=1, max_value=2**63 - 1)
    order_by = StrictIntegerField(required=False, allow_null=True, min_value=1, max_value=2**63 - 1)
    record_keys = _keys(help_text="manual: the records of the sample")
    add_keys = _keys(help_text="records added by hand to a drawn sample (rationale required)")
    remove_keys = _keys(help_text="records removed by hand from a drawn sample (rationale required)")
    rationale = serializers.CharField(required=False, allow_blank=True, default="", max_length=selection_rules.MAX_RATIONALE)

    def validate(self, data):
        problems = selection_rules.problems(selection_rules.choice_of(data))
        if problems:
            raise serializers.ValidationError({"non_field_errors": problems})
        return data

    def payload(self) -> dict:
        data = self.validated_data
        population = Population.current_for(self.context["cycle_report"])
        return {
            "method": data["method"],
            "size": data.get("size") or 0,
            "seed": data.get("seed"),
            "stratify_by": data.get("stratify_by"),
            "order_by": data.get("order_by"),
            "record_keys": [k.strip() for k in data["record_keys"]],
            "add_keys": [k.strip() for k in data["add_keys"]],
            "remove_keys": [k.strip() for k in data["remove_keys"]],
            "rationale": data["rationale"].strip(),
            "population_id": population.pk if population else 0,
        }


class PopulationUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=False)
    key_column = serializers.CharField(required=False, allow_blank=True, max_length=KEY_MAX_LENGTH)


class PopulationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Population
        fields = ["rows", "key_column", "columns", "unmatched_columns", "missing_attributes"]
