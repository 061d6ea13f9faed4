"""REST API (a fixed contract: see the README). Same services as the forms."""
from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status as http
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from reviews import human_tasks, separation_of_duties, submissions
from scoping import decision_rules, queries
from scoping.models import ReportAttribute

from . import access, services
from . import api_schema as doc
from . import workflow_types as t
from .models import CycleReport
from .serializers import AttributeSerializer, OwnerApprovalSerializer, TesterReviewSerializer


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
            started = services.start_workflow(cr, actor=request.user)
        except services.TemporalUnavailable:
            return Response({"detail": "The workflow service is unreachable; try again."}, status=503)
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
        return Response(services.status(self.cycle_report(request, cycle_id, report_id)))


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
        attributes = ReportAttribute.objects.filter(report_id=cr.report_id).order_by("line_number", "id")
        return Response(AttributeSerializer(attributes, many=True, context={"recommendations": recs}).data)


class SubmissionView(CycleReportView):
    kind: str
    serializer_class: type

    def authorize(self, cr, on_behalf_of) -> None:
        """Checks beyond "assignee or delegate", made before the payload is validated."""

    def extra_checks(self, cr, serializer) -> dict:
        return {}

    def post(self, request, cycle_id: int, report_id: int):
        cr = self.cycle_report(request, cycle_id, report_id)
        key = request.headers.get("Idempotency-Key")
        problem = submissions.key_problem(key)
        if problem:
            return Response({"detail": problem}, status=400)
        if submissions.has_previous(request.user, key):
            # A retry: the first answer, whatever happened since; but a key
            # reused for another payload or report is a 409, never a false "accepted".
            serializer = self.serializer_class(data=request.data if isinstance(request.data, dict) else {})
            payload = serializer.payload() if serializer.is_valid() else request.data
            previous = submissions.previous_answer(request.user, key, cr, self.kind, payload)
            if previous is not None:
                return Response(previous.body, status=previous.status)
        task = human_tasks.active_task(cr, self.kind)
        payload = request.data if isinstance(request.data, dict) else None
        if task is None:
            answer = submissions.refuse_attempt(
                cr, self.kind, request.user, 409, f"This report is not awaiting a {self.kind.replace('_', ' ')}.", payload
            )
            return Response(answer.body, status=answer.status)
        on_behalf_of = human_tasks.acting_for(request.user, task)
        if on_behalf_of is None:
            answer = submissions.refuse_attempt(
                cr, self.kind, request.user, 403,
                f"This task is assigned to {task.assignee.get_username()}; only they or their delegate can act on it.",
                payload,
            )
            raise PermissionDenied(answer.body["detail"])
        if not isinstance(request.data, dict):
            return Response({"detail": "Expected a JSON object."}, status=400)
        self.authorize(cr, on_behalf_of)
        serializer = self.serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        errors = self.extra_checks(cr, serializer)
        if errors:
            return Response(errors, status=400)
        answer = submissions.submit(cr, self.kind, request.user, serializer.payload(), key)
        return Response(answer.body, status=answer.status)


@extend_schema_view(
    post=extend_schema(
        summary="Submit the tester's review: include or exclude every attribute",
        request=TesterReviewSerializer,
        parameters=[doc.IDEMPOTENCY_KEY],
        responses=doc.SUBMISSION_RESPONSES,
    )
)
class TesterReviewView(SubmissionView):
    kind = t.TESTER_REVIEW
    serializer_class = TesterReviewSerializer

    def extra_checks(self, cr, serializer) -> dict:
        rules = {
            a: decision_rules.Rule(inc, pk)
            for a, inc, pk in queries.recommendations(cr).values_list("attribute_id", "include", "attribute__is_primary_key")
        }
        errors = serializer.validate_against(rules)
        return {"decisions": errors} if errors else {}


@extend_schema_view(
    post=extend_schema(
        summary="Approve the review, or send it back with comments",
        request=OwnerApprovalSerializer,
        parameters=[doc.IDEMPOTENCY_KEY],
        responses=doc.SUBMISSION_RESPONSES,
    )
)
class OwnerApprovalView(SubmissionView):
    kind = t.REPORT_OWNER_APPROVAL
    serializer_class = OwnerApprovalSerializer

    def authorize(self, cr, on_behalf_of) -> None:
        try:
            separation_of_duties.check(cr, self.kind, self.request.user, on_behalf_of)
        except separation_of_duties.SeparationOfDuties as refusal:
            payload = self.request.data if isinstance(self.request.data, dict) else None
            submissions.refuse_attempt(cr, self.kind, self.request.user, 403, str(refusal), payload)
            raise PermissionDenied(str(refusal)) from None
