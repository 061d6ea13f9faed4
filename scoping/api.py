"""Scoping's share of the REST API (a fixed contract: see the README). Its
steps' submission endpoints are the human side's (reviews.submission_api)."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.response import Response

from cycles import api_schema as doc
from reviews.report_api import CycleReportView

from . import queries
from .serializers import AttributeSerializer, RecommendationSerializer


@extend_schema_view(
    get=extend_schema(
        summary="The report's attributes with the recommender's advice",
        responses={200: AttributeSerializer(many=True), **doc.READ_ERRORS},
    )
)
class AttributesView(CycleReportView):
    """Rows read as plain values and shaped by hand: the same JSON as
    AttributeSerializer (its schema documents it; a test compares the two),
    without building a serializer per attribute, which was 60 % of the
    time at 1,000 attributes (issue 15)."""

    def get(self, request, cycle_id: int, report_id: int):
        cr = self.cycle_report(request, cycle_id, report_id)
        recs = {
            r.pop("attribute_id"): r
            for r in queries.recommendations(cr).values("attribute_id", *RECOMMENDATION_FIELDS)
        }
        rows = queries.attributes(cr).values(*ATTRIBUTE_FIELDS)
        return Response([{**row, "recommendation": recs.get(row["id"])} for row in rows])


ATTRIBUTE_FIELDS = [f for f in AttributeSerializer.Meta.fields if f != "recommendation"]
RECOMMENDATION_FIELDS = RecommendationSerializer.Meta.fields
