"""GET /api/cycles/{cycle_id}/recommendation-agreement (test managers and
admins): model versus people for a cycle, as scoping.agreement computes it."""
from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from cycles import roles
from cycles.models import TestCycle

from . import agreement


# These serializers only document the answer for the OpenAPI schema.
class _Rates(serializers.Serializer):
    attributes = serializers.IntegerField()
    overrides = serializers.IntegerField()
    override_rate = serializers.FloatField(allow_null=True, help_text="overrides / attributes; null without attributes")
    fallbacks = serializers.IntegerField(help_text="recommendations that fell back to rules")
    approved_attributes = serializers.IntegerField(help_text="attributes of reports whose review is final (approved)")
    agreed = serializers.IntegerField(help_text="of those, how many the recommendation's include matched")
    agreement_rate = serializers.FloatField(allow_null=True)


class _BySource(_Rates):
    source = serializers.CharField(help_text="rules, or the model's name as its endpoint returned it")


class _ByFlag(_Rates):
    flag = serializers.CharField()


class _Review(serializers.Serializer):
    report_id = serializers.IntegerField()
    version = serializers.IntegerField()
    opened_at = serializers.DateTimeField(allow_null=True, help_text="the tester's task for that round opened")
    submitted_at = serializers.DateTimeField()
    seconds = serializers.IntegerField(allow_null=True)


class _ByTester(_Rates):
    tester = serializers.CharField()
    reviews = _Review(many=True)
    median_review_seconds = serializers.FloatField(allow_null=True)


class _Override(serializers.Serializer):
    report_id = serializers.IntegerField()
    attribute_id = serializers.IntegerField()
    source = serializers.CharField()
    recommended_include = serializers.BooleanField()
    decided_include = serializers.BooleanField()
    rationale = serializers.CharField()
    decided_by = serializers.CharField()


class RecommendationAgreementSerializer(serializers.Serializer):
    by_source = _BySource(many=True)
    by_tester = _ByTester(many=True)
    by_flag = _ByFlag(many=True)
    overrides = _Override(many=True)


class RecommendationAgreementView(APIView):
    @extend_schema(
        summary="Model versus people: overrides by source, tester and flag; every override",
        responses={
            200: RecommendationAgreementSerializer,
            403: OpenApiResponse(description="Not a test manager or admin."),
            404: OpenApiResponse(description="No such cycle."),
        },
    )
    def get(self, request, cycle_id: int):
        if not roles.is_manager(request.user):
            raise PermissionDenied("Only test managers and admins see how people and the model agreed.")
        cycle = get_object_or_404(TestCycle, pk=cycle_id)
        return Response(agreement.for_cycle(cycle).as_json())
