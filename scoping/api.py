"""Scoping's share of the REST API (a fixed contract: see the README). Its
steps' submission endpoints are the human side's (reviews.submission_api)."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.response import Response

from cycles import api_schema as doc
from reviews.report_api import CycleReportView

from . import queries
from .serializers import AttributeSerializer


@extend_schema_view(
    get=extend_schema(
        summary="The report's attributes with the recommender's advice",
        responses={200: AttributeSerializer(many=True), **doc.READ_ERRORS},
    )
)
class AttributesView(CycleReportView):
    def get(self, request, cycle_id: int, report_id: int):
        cr = self.cycle_report(request, cycle_id, report_id)
        recs = {r.attribute_id: r for r in queries.recommendations(cr)}
        return Response(AttributeSerializer(queries.attributes(cr), many=True, context={"recommendations": recs}).data)
