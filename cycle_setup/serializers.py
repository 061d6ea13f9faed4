"""Input of the set-up API (fixed contracts: see the README, "Setting up a
cycle"). Strict JSON types, as elsewhere in the API."""
from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from cycles.models import TestCycle
from cycles.strict_fields import StrictIntegerField


class CycleSerializer(serializers.ModelSerializer):
    task_due_amount = StrictIntegerField(required=False, allow_null=True, min_value=1)
    reminder_amount = StrictIntegerField(required=False, allow_null=True, min_value=1)
    max_reminders = StrictIntegerField(required=False, allow_null=True, min_value=0, max_value=1000)
    sample_size_default = StrictIntegerField(required=False, allow_null=True, min_value=1, max_value=1_000_000)

    class Meta:
        model = TestCycle
        fields = [
            "name", "period_end", "task_due_amount", "task_due_unit", "reminder_amount", "reminder_unit",
            "max_reminders", "sample_size_default",
        ]

    def validate_name(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError("The name is empty.")
        if TestCycle.objects.filter(name__iexact=value).exists():
            raise serializers.ValidationError(f"A cycle named {value!r} exists.")
        return value

    def validate(self, attrs):
        try:
            TestCycle(**attrs).clean()  # the durations' minimums
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict) from None
        return attrs


class NewReportSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    regulation = serializers.CharField(max_length=100)


class PersonField(serializers.CharField):
    def __init__(self, **kwargs):
        super().__init__(required=False, allow_null=True, allow_blank=True, max_length=150, **kwargs)


class AddReportSerializer(serializers.Serializer):
    report_id = StrictIntegerField(required=False, min_value=1, max_value=2**63 - 1)
    report = NewReportSerializer(required=False)
    tester = PersonField(help_text="username of a tester")
    report_owner = PersonField(help_text="username of a report owner (required for a new report: it owns it)")
    data_provider = PersonField(help_text="username of a data provider")

    def validate(self, attrs):
        if ("report_id" in attrs) == ("report" in attrs):
            raise serializers.ValidationError({"report_id": "Give either report_id (an existing report) or report (a new one), not both."})
        return attrs


class AssignSerializer(serializers.Serializer):
    report_ids = serializers.ListField(child=StrictIntegerField(min_value=1, max_value=2**63 - 1), min_length=1, max_length=5000)
    tester = PersonField()
    report_owner = PersonField()
    data_provider = PersonField()


class CatalogueFileSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True)
