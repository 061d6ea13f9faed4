"""Sample Selection's share of the REST API (a fixed contract: see the
README): the population upload and the current sample. The two steps'
submission endpoints are the human side's (reviews.submission_api)."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from cycles import api_schema as doc
from reviews import human_tasks
from reviews.report_api import CycleReportView

from . import selection
from .errors import PopulationError, PopulationTooLarge
from .serializers import PopulationSerializer, PopulationUploadSerializer
from .workflow_steps import SAMPLE_SELECTION


@extend_schema_view(
    post=extend_schema(
        summary="Upload the report's population (CSV or XLSX) for its sample",
        request={"multipart/form-data": PopulationUploadSerializer},
        responses={
            201: PopulationSerializer,
            400: OpenApiResponse(doc.ErrorSerializer, description="A file that cannot be read, and why (with its row)."),
            **doc.READ_ERRORS,
            409: OpenApiResponse(doc.ErrorSerializer, description="The report is not awaiting its sample."),
            413: OpenApiResponse(doc.ErrorSerializer, description="The file is larger than POPULATION_MAX_BYTES."),
        },
    )
)
class PopulationView(CycleReportView):
    parser_classes = [MultiPartParser]

    def post(self, request, cycle_id: int, report_id: int):
        cr = self.cycle_report(request, cycle_id, report_id)
        task = human_tasks.active_task(cr, SAMPLE_SELECTION)
        if task is None:
            return Response({"detail": "This report is not awaiting its sample selection."}, status=409)
        if human_tasks.acting_for(request.user, task) is None:
            raise PermissionDenied(f"The sample is {task.assignee.get_username()}'s to select, or their delegate's.")
        upload = PopulationUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        file = upload.validated_data["file"]
        try:
            population = selection.upload_population(cr, file, file.name, upload.validated_data.get("key_column"), request.user)
        except PopulationTooLarge as problem:
            return Response({"detail": problem.message}, status=413)
        except PopulationError as problem:
            return Response({"detail": problem.message, "row": problem.row}, status=400)
        return Response(PopulationSerializer(population).data, status=201)


class SampleSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    record_key = serializers.CharField()
    values = serializers.DictField(child=serializers.CharField(allow_blank=True), help_text="attribute id -> value as in the file")
    reason = serializers.CharField()


@extend_schema_view(
    get=extend_schema(
        summary="The current sample: each record with its values",
        responses={200: SampleSerializer(many=True), **doc.READ_ERRORS},
    )
)
class SamplesView(CycleReportView):
    def get(self, request, cycle_id: int, report_id: int):
        cr = self.cycle_report(request, cycle_id, report_id)
        sample_set = selection.current(cr)
        if sample_set is None:
            return Response([])
        return Response(
            [
                {"id": item.pk, "record_key": item.record.key, "values": item.record.values, "reason": item.reason}
                for item in selection.items(sample_set)
            ]
        )
