"""The Evidence phase's share of the REST API (a fixed contract: see the
README): files per sampled record, their download, the test results. The
two steps' submission endpoints are the human side's (reviews.submission_api)."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from cycles import api_schema as doc
from reviews.report_api import CycleReportView

from . import access, downloads, results, uploads
from .errors import EvidenceError
from .models import EvidenceFile
from .serializers import EvidenceFileSerializer, EvidenceUploadSerializer, TestResultSerializer


def _error(problem: EvidenceError) -> Response:
    return Response({"detail": problem.message}, status=problem.status)


@extend_schema_view(
    get=extend_schema(summary="The evidence files of a sampled record", responses={200: EvidenceFileSerializer(many=True), **doc.READ_ERRORS}),
    post=extend_schema(
        summary="Upload an evidence file for a sampled record",
        request={"multipart/form-data": EvidenceUploadSerializer},
        responses={
            201: EvidenceFileSerializer,
            400: OpenApiResponse(doc.ErrorSerializer, description="A type not accepted (detected from the content), or refused by the scanner."),
            **doc.READ_ERRORS,
            409: OpenApiResponse(doc.ErrorSerializer, description="The report is not awaiting this record's evidence."),
            413: OpenApiResponse(doc.ErrorSerializer, description="The file is larger than EVIDENCE_MAX_BYTES."),
        },
    ),
)
class SampleEvidenceView(CycleReportView):
    parser_classes = [MultiPartParser]

    def initialize_request(self, request, *args, **kwargs):
        # Files go to a temporary file on disk whatever their size: memory
        # stays bounded, and the file is hashed while copied to storage.
        request.upload_handlers = [TemporaryFileUploadHandler(request)]
        return super().initialize_request(request, *args, **kwargs)

    def get(self, request, cycle_id: int, report_id: int, sample_id: int):
        cr = self.cycle_report(request, cycle_id, report_id)
        try:
            item = access.sample_of(cr, sample_id)
        except EvidenceError as problem:
            return _error(problem)
        files = EvidenceFile.objects.filter(cycle_report=cr, sample=item).order_by("uploaded_at", "id")
        return Response(EvidenceFileSerializer(files, many=True).data)

    def post(self, request, cycle_id: int, report_id: int, sample_id: int):
        cr = self.cycle_report(request, cycle_id, report_id)
        try:
            item = access.upload_target(cr, request.user, sample_id)
        except DjangoPermissionDenied as refusal:
            raise PermissionDenied(str(refusal)) from None
        except EvidenceError as problem:
            return _error(problem)
        upload = EvidenceUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        try:
            kept = uploads.store(cr, item, upload.validated_data["file"], request.user)
        except EvidenceError as problem:
            return _error(problem)
        return Response(EvidenceFileSerializer(kept).data, status=201)


@extend_schema_view(
    get=extend_schema(
        summary="Download an evidence file (as an attachment)",
        responses={(200, "application/octet-stream"): OpenApiResponse(description="The file as uploaded."), **doc.READ_ERRORS},
    )
)
class EvidenceDownloadView(CycleReportView):
    def get(self, request, cycle_id: int, report_id: int, file_id: int):
        cr = self.cycle_report(request, cycle_id, report_id)
        return downloads.download(cr, file_id)


class ConfirmationSerializer(serializers.Serializer):
    sample_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    attribute_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    result = serializers.ChoiceField(choices=["pass", "fail"])
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=results.MAX_NOTE)


class ConfirmationsSerializer(serializers.Serializer):
    results = serializers.ListField(child=ConfirmationSerializer(), allow_empty=False, max_length=100000)


@extend_schema_view(
    get=extend_schema(summary="The test results, mismatches first", responses={200: TestResultSerializer(many=True), **doc.READ_ERRORS}),
    post=extend_schema(
        summary="Confirm test results as pass or fail (the tester)",
        request=ConfirmationsSerializer,
        responses={200: TestResultSerializer(many=True), 400: doc.ErrorSerializer, **doc.READ_ERRORS},
    ),
)
class TestResultsView(CycleReportView):
    __test__ = False

    def get(self, request, cycle_id: int, report_id: int):
        cr = self.cycle_report(request, cycle_id, report_id)
        return Response([results.as_json(r) for r in results.current(cr)])

    def post(self, request, cycle_id: int, report_id: int):
        cr = self.cycle_report(request, cycle_id, report_id)
        if not results.may_confirm(request.user, cr):
            raise PermissionDenied("Only the report's tester, or their delegate, confirms its test results.")
        body = ConfirmationsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            saved = results.confirm(cr, request.user, body.validated_data["results"])
        except EvidenceError as problem:
            return _error(problem)
        return Response([results.as_json(r) for r in saved])
