from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from cycles import api_schema as doc
from cycles import roles

from .human_tasks import open_tasks_for
from .models import HumanTask
from .reassignment import ReassignRefused, reassign


class TaskSerializer(serializers.ModelSerializer):
    cycle_id = serializers.IntegerField(source="cycle_report.cycle_id")
    report_id = serializers.IntegerField(source="cycle_report.report_id")
    assignee = serializers.CharField(source="assignee.username")
    report = serializers.CharField(source="cycle_report.report.name")

    class Meta:
        model = HumanTask
        fields = ["id", "kind", "cycle_id", "report_id", "report", "assignee", "round", "opened_at", "due_at", "state"]


SCOPES = ("mine", "all")


@extend_schema(
    parameters=[
        OpenApiParameter(
            "scope", str, enum=list(SCOPES), required=False,
            description="`mine` (default): the caller's open tasks and those delegated to them; "
            "`all`: every open task (test managers and admins only).",
        )
    ],
    responses={
        200: TaskSerializer(many=True),
        400: OpenApiResponse(doc.ErrorSerializer, description="Unknown scope."),
        401: doc.NOT_LOGGED_IN,
        403: OpenApiResponse(doc.ErrorSerializer, description="scope=all by someone who is not a test manager or admin."),
    },
)
class TaskListView(ListAPIView):
    """GET /api/tasks/ keeps its meaning (the caller's tasks); ?scope=all is
    the manager's queue."""

    serializer_class = TaskSerializer

    def list(self, request, *args, **kwargs):
        scope = request.query_params.get("scope", "mine")
        if scope not in SCOPES:
            return Response({"detail": f"Unknown scope {scope[:50]!r}: use 'mine' or 'all'."}, status=400)
        if scope == "all" and not roles.is_manager(request.user):
            return Response({"detail": "Only test managers and admins see every task."}, status=403)
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        if self.request.query_params.get("scope") == "all":
            return (
                HumanTask.objects.filter(state__in=HumanTask.ACTIVE_STATES)
                .select_related("cycle_report__cycle", "cycle_report__report", "assignee")
                .order_by("due_at", "id")
            )
        return open_tasks_for(self.request.user)


class ReassignSerializer(serializers.Serializer):
    to = serializers.CharField(max_length=150, help_text="username of the new assignee")
    reason = serializers.CharField(max_length=500, help_text="why the task moves (kept in the audit trail)")


@extend_schema(
    request=ReassignSerializer,
    responses={
        200: TaskSerializer,
        400: OpenApiResponse(description="Missing or invalid 'to'/'reason', or the user lacks the needed role."),
        401: doc.NOT_LOGGED_IN,
        403: OpenApiResponse(doc.ErrorSerializer, description="Only test managers and admins reassign."),
        404: OpenApiResponse(doc.ErrorSerializer, description="No such task."),
        409: OpenApiResponse(doc.ErrorSerializer, description="The task is no longer open."),
        503: OpenApiResponse(doc.ErrorSerializer, description="The reassignment could not be saved; nothing changed."),
    },
)
class TaskReassignView(APIView):
    """POST /api/tasks/{id}/reassign {"to": username, "reason": str}: the
    same service as the admin action, so both refuse and record alike."""

    def post(self, request, task_id: int):
        if not roles.is_manager(request.user):
            # Before anything else, so that others learn nothing about tasks.
            return Response({"detail": "Only test managers and admins can reassign tasks."}, status=403)
        if not isinstance(request.data, dict):
            return Response({"detail": "Expected a JSON object with 'to' and 'reason'."}, status=400)
        to, reason = request.data.get("to"), request.data.get("reason")
        if not HumanTask.objects.filter(pk=task_id).exists():
            return Response({"detail": "No such task."}, status=404)
        if not isinstance(to, str) or not to.strip():
            return Response({"to": ["The username of the new assignee is required."]}, status=400)
        if not isinstance(reason, str) or not reason.strip():
            return Response({"reason": ["A reason is required."]}, status=400)
        for name, value in (("to", to), ("reason", reason)):
            if "\x00" in value:
                # PostgreSQL cannot even compare such a string: a 400, not a 500.
                return Response({name: ["Null characters are not allowed."]}, status=400)
        try:
            task = reassign(task_id, to.strip(), reason, request.user)
        except ReassignRefused as refusal:
            return Response({"detail": str(refusal)}, status=refusal.status)
        return Response(TaskSerializer(task).data)
