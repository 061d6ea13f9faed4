"""The REST API of a report in a cycle that belongs to no phase (a fixed
contract: see the README): starting its workflow and reading its status.
Phase apps add their endpoints under the same prefix (reviews.submission_api
for their steps' submissions)."""
from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status as http
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from cycles import api_schema as doc
from cycles.models import CycleReport
from cycles.workflow_start import CannotStart, TemporalUnavailable, start_workflow

from . import access
from .status import status


class CycleReportView(APIView):
    def cycle_report(self, request, cycle_id: int, report_id: int) -> CycleReport:
        cr = get_object_or_404(
            CycleReport.objects.select_related("cycle", "report", "tester", "report_owner"),
            cycle_id=cycle_id,
            report_id=report_id,
        )
        if not access.can_view(request.user, cr):
            raise PermissionDenied("You are not assigned to this report.")
        return cr


@extend_schema_view(
    post=extend_schema(
        summary="Start the report's workflow (harmless if it is already running)",
        request=None,
        responses={
            201: OpenApiResponse(doc.StartedSerializer, description="Started."),
            200: OpenApiResponse(doc.StartedSerializer, description="Already running."),
            **doc.READ_ERRORS,
            503: OpenApiResponse(doc.ErrorSerializer, description="Temporal is unreachable; try again."),
        },
    )
)
class StartView(CycleReportView):
    def post(self, request, cycle_id: int, report_id: int):
        cr = self.cycle_report(request, cycle_id, report_id)
        if not access.can_start(request.user, cr):
            raise PermissionDenied("Only the tester or a test manager can start this report.")
        try:
            started = start_workflow(cr, actor=request.user)
        except TemporalUnavailable:
            return Response({"detail": "The workflow service is unreachable; try again."}, status=503)
        except CannotStart as problem:
            return Response({"detail": str(problem)}, status=409)
        return Response(
            {"workflow_id": started.workflow_id, "run_id": started.run_id, "started": started.created},
            status=http.HTTP_201_CREATED if started.created else http.HTTP_200_OK,
        )


@extend_schema_view(
    get=extend_schema(
        summary="Where the report is: phase, what it awaits from whom, until when",
        responses={200: doc.StatusSerializer, **doc.READ_ERRORS},
    )
)
class StatusView(CycleReportView):
    def get(self, request, cycle_id: int, report_id: int):
        return Response(status(self.cycle_report(request, cycle_id, report_id)))
