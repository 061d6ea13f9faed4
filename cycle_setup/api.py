"""The set-up API (fixed contracts, see the README "Setting up a cycle"):
cycles, their reports and people, a report's catalogue from a spreadsheet,
and starting a whole cycle. Test managers and admins only (403 otherwise);
bad input is a 400 with field errors. The views translate; the services in
cycles/ do the work."""
from __future__ import annotations

from django.db.models import Count
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from cycles import api_schema as doc
from cycles.catalogue_import import import_catalogue
from cycles.cycle_membership import People, SetupError, add_report, assign, person
from cycles.cycle_start import start_cycle, with_attribute_counts
from cycles.models import CycleReport, Report, TestCycle
from cycles.workflow_start import TemporalUnavailable

from .permissions import IsManager
from .serializers import AddReportSerializer, AssignSerializer, CatalogueFileSerializer, CycleSerializer

ERRORS = {
    400: OpenApiResponse(description="Field errors: {field: [message]}."),
    403: OpenApiResponse(doc.ErrorSerializer, description="Not a test manager or admin."),
}


def cycle_json(cycle: TestCycle, reports: int) -> dict:
    return {
        "id": cycle.pk,
        "name": cycle.name,
        "period_end": cycle.period_end.isoformat() if hasattr(cycle.period_end, "isoformat") else cycle.period_end,
        "test_manager": cycle.test_manager.get_username(),
        "task_due_amount": cycle.task_due_amount,
        "task_due_unit": cycle.task_due_unit,
        "reminder_amount": cycle.reminder_amount,
        "reminder_unit": cycle.reminder_unit,
        "max_reminders": cycle.max_reminders,
        "sample_size_default": cycle.sample_size_default,
        "reports": reports,
    }


def cycle_report_json(cr: CycleReport, attributes: int) -> dict:
    def name(user):
        return user.get_username() if user is not None else None

    return {
        "report_id": cr.report_id,
        "cycle_id": cr.cycle_id,
        "name": cr.report.name,
        "regulation": cr.report.regulation,
        "tester": name(cr.tester),
        "report_owner": name(cr.report_owner),
        "data_provider": name(cr.data_provider),
        "attributes": attributes,
        "workflow_id": cr.workflow_id,
        "started": bool(cr.workflow_run_id),
        "current_phase": cr.current_phase or None,
    }


class ManagerView(APIView):
    permission_classes = [IsManager]

    def cycle(self, cycle_id: int) -> TestCycle:
        return get_object_or_404(TestCycle.objects.select_related("test_manager"), pk=cycle_id)


def _people(data: dict) -> People:
    return People(**{f: person(f, data.get(f)) for f in ("tester", "report_owner", "data_provider")})


@extend_schema_view(
    get=extend_schema(summary="The cycles (test managers and admins)", responses={200: OpenApiResponse(description="[{id, name, period_end, ...}]"), **ERRORS}),
    post=extend_schema(summary="Create a cycle", request=CycleSerializer, responses={201: OpenApiResponse(description="{id, name, period_end, ...}"), **ERRORS}),
)
class CycleListView(ManagerView):
    def get(self, request):
        cycles = TestCycle.objects.select_related("test_manager").annotate(report_count=Count("cycle_reports"))
        return Response([cycle_json(c, c.report_count) for c in cycles])

    def post(self, request):
        data = CycleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cycle = data.save(test_manager=request.user)
        return Response(cycle_json(cycle, 0), status=201)


@extend_schema_view(
    get=extend_schema(summary="The cycle's reports and their people", responses={200: OpenApiResponse(description="[{report_id, name, tester, ...}]"), **ERRORS}),
    post=extend_schema(summary="Add a report (existing or new) to the cycle", request=AddReportSerializer, responses={201: OpenApiResponse(description="{report_id, ...}"), **ERRORS}),
)
class CycleReportsView(ManagerView):
    def get(self, request, cycle_id: int):
        cycle = self.cycle(cycle_id)
        reports = with_attribute_counts(
            CycleReport.objects.filter(cycle=cycle).select_related("report", "tester", "report_owner", "data_provider")
        ).annotate(frozen_count=Count("frozen_attributes", distinct=True)).order_by("report__name")
        return Response([cycle_report_json(cr, cr.frozen_count if cr.has_frozen else cr.catalogue_count) for cr in reports])

    def post(self, request, cycle_id: int):
        cycle = self.cycle(cycle_id)
        data = AddReportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        report = None
        if "report_id" in values:
            report = Report.objects.filter(pk=values["report_id"]).first()
            if report is None:
                return Response({"report_id": [f"No report {values['report_id']}."]}, status=400)
        try:
            cr = add_report(cycle, report=report, new_report=values.get("report"), people=_people(values))
        except SetupError as error:
            return Response({k: [v] for k, v in error.errors.items()}, status=400)
        count = cr.report.attributes.filter(retired_at__isnull=True).count()
        return Response(cycle_report_json(cr, count), status=201)


@extend_schema_view(
    post=extend_schema(
        summary="Assign people to many reports of the cycle at once (blank or absent: unchanged; null: cleared)",
        request=AssignSerializer,
        responses={200: inline_serializer("Assigned", {"assigned": serializers.IntegerField()}), **ERRORS},
    )
)
class AssignView(ManagerView):
    def post(self, request, cycle_id: int):
        cycle = self.cycle(cycle_id)
        data = AssignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        wanted = set(values["report_ids"])
        crs = list(
            CycleReport.objects.filter(cycle=cycle, report_id__in=wanted).select_related("report", "tester", "report_owner", "data_provider")
        )
        missing = wanted - {cr.report_id for cr in crs}
        if missing:
            return Response({"report_ids": [f"Not in this cycle: {', '.join(map(str, sorted(missing)))}."]}, status=400)
        try:
            changes = {f: person(f, values[f]) for f in ("tester", "report_owner", "data_provider") if f in values and (values[f] or values[f] is None)}
            if not changes:
                return Response({"tester": ["Name at least one person to assign."]}, status=400)
            return Response({"assigned": assign(crs, changes)})
        except SetupError as error:
            return Response({k: [v] for k, v in error.errors.items()}, status=400)


@extend_schema_view(
    post=extend_schema(
        summary="Import the report's attribute catalogue from a .csv or .xlsx file (?dry_run=1: preview only)",
        request={"multipart/form-data": CatalogueFileSerializer},
        parameters=[OpenApiParameter("dry_run", bool, description="1: report what would change, save nothing")],
        responses={
            200: OpenApiResponse(description="{created, updated, removed, unchanged, errors: [], saved, changes}"),
            400: OpenApiResponse(description="The same body, with every error as {row, column, message}; nothing saved."),
            403: ERRORS[403],
            413: OpenApiResponse(doc.ErrorSerializer, description="Larger than CATALOGUE_MAX_BYTES."),
        },
    )
)
class CatalogueImportView(ManagerView):
    parser_classes = [MultiPartParser]

    def post(self, request, report_id: int):
        report = get_object_or_404(Report, pk=report_id)
        dry_run = request.query_params.get("dry_run", "").lower() in ("1", "true", "yes")
        upload = CatalogueFileSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        file = upload.validated_data["file"]
        plan = import_catalogue(report, file.name, file.read(), dry_run=dry_run)
        return Response(plan.as_json(), status=400 if plan.errors else 200)


@extend_schema_view(
    post=extend_schema(
        summary="Start every report of the cycle that can start (idempotent)",
        request=None,
        responses={
            202: inline_serializer(
                "CycleStarted",
                {
                    "starting": serializers.ListField(child=serializers.IntegerField()),
                    "already_running": serializers.ListField(child=serializers.IntegerField()),
                    "cannot_start": serializers.ListField(child=serializers.DictField()),
                },
            ),
            403: ERRORS[403],
            503: OpenApiResponse(doc.ErrorSerializer, description="Temporal is unreachable; nothing started, try again."),
        },
    )
)
class CycleStartView(ManagerView):
    def post(self, request, cycle_id: int):
        cycle = self.cycle(cycle_id)
        try:
            result = start_cycle(cycle, request.user)
        except TemporalUnavailable:
            return Response({"detail": "The workflow service is unreachable; nothing was started. Try again."}, status=503)
        if result.unreachable and not result.starting:
            return Response({"detail": "The workflow service is unreachable; try again.", **result.as_json()}, status=503)
        return Response(result.as_json(), status=202)
