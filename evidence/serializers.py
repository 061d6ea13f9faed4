"""The API's shapes for evidence: the two steps' submissions (validated
here, then checked against the round by evidence_rules) and the files."""
from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cycles.strict_fields import StrictBooleanField, StrictIntegerField

from . import evidence_rules, rounds
from .models import EvidenceFile

MAX_SAMPLES = 10000


@extend_schema_field({"oneOf": [{"type": "string"}, {"type": "number"}]})
class SourceValueField(serializers.Field):
    """A source value as the provider read it: text, or a JSON number."""

    default_error_messages = {"invalid": "Must be text or a number, not {input!r}."}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (str, int, float, Decimal)):
            self.fail("invalid", input=data)
        text = str(data).strip()
        if len(text) > evidence_rules.MAX_VALUE:
            raise serializers.ValidationError(f"At most {evidence_rules.MAX_VALUE} characters.")
        return text

    def to_representation(self, value):
        return value


class SampleEvidenceSerializer(serializers.Serializer):
    sample_id = StrictIntegerField(min_value=1, max_value=2**63 - 1)
    source_values = serializers.DictField(child=SourceValueField(), help_text="attribute id -> the value in the source document")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=evidence_rules.MAX_NOTE)


class EvidenceSubmissionSerializer(serializers.Serializer):
    """POST .../evidence-submission: every record of the round, each with at
    least one uploaded file and the source value of every attribute in scope.
    The files are the record's uploaded ones, fixed when submitted."""

    samples = serializers.ListField(child=SampleEvidenceSerializer(), allow_empty=False, max_length=MAX_SAMPLES)

    def payload(self) -> dict:
        cycle_report = self.context["cycle_report"]
        samples = sorted(self.validated_data["samples"], key=lambda s: s["sample_id"])
        files = rounds.files_by_sample(cycle_report, [s["sample_id"] for s in samples])
        return {
            "samples": [
                {
                    "sample_id": s["sample_id"],
                    "source_values": {str(k).strip(): v for k, v in s["source_values"].items()},
                    "note": s["note"].strip(),
                    "file_ids": [f.pk for f in files.get(s["sample_id"], [])],
                }
                for s in samples
            ]
        }


class SampleDecisionSerializer(serializers.Serializer):
    sample_id = StrictIntegerField(min_value=1, max_value=2**63 - 1)
    accepted = StrictBooleanField()
    comments = serializers.CharField(required=False, allow_blank=True, default="", max_length=evidence_rules.MAX_COMMENTS)

    def validate(self, data):
        if not data["accepted"] and not data["comments"].strip():
            raise serializers.ValidationError({"comments": ["Comments are required when evidence is returned."]})
        return data


class EvidenceReviewSerializer(serializers.Serializer):
    """POST .../evidence-review: a decision on every record of the round."""

    decisions = serializers.ListField(child=SampleDecisionSerializer(), allow_empty=False, max_length=MAX_SAMPLES)

    def payload(self) -> dict:
        return {
            "decisions": [
                {"sample_id": d["sample_id"], "accepted": d["accepted"], "comments": d["comments"].strip()}
                for d in sorted(self.validated_data["decisions"], key=lambda d: d["sample_id"])
            ]
        }


def _objects(rows: list[dict]) -> list:
    return [SimpleNamespace(**row) for row in rows]


def check_submission(cycle_report, serializer) -> dict:
    rules = rounds.submission_rules(cycle_report, {})
    problems = evidence_rules.submission_problems(rules["samples"], rules["attributes"], _objects(serializer.payload()["samples"]))
    return {"samples": problems} if problems else {}


def check_review(cycle_report, serializer) -> dict:
    problems = evidence_rules.review_problems(rounds.under_review(cycle_report), _objects(serializer.payload()["decisions"]))
    return {"decisions": problems} if problems else {}


class EvidenceUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=False, max_length=10000)


class EvidenceFileSerializer(serializers.ModelSerializer):
    filename = serializers.CharField(source="original_name")

    class Meta:
        model = EvidenceFile
        fields = ["id", "filename", "size", "sha256", "content_type"]


class TestResultSerializer(serializers.Serializer):
    __test__ = False

    sample_id = serializers.IntegerField()
    attribute_id = serializers.IntegerField()
    reported = serializers.CharField()
    source = serializers.CharField()
    match = serializers.BooleanField()
    result = serializers.CharField(allow_null=True, help_text='"pass" or "fail" once the tester confirms it; null before')
    note = serializers.CharField(allow_blank=True)
