"""What the REST API answers, described for the OpenAPI schema
(drf-spectacular). These serializers only document responses built
elsewhere (services, submissions); the views do not use them to render."""
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="Why the request was refused.")


class StartedSerializer(serializers.Serializer):
    workflow_id = serializers.CharField(help_text="test-cycle-{cycle_id}-report-{report_id}")
    run_id = serializers.CharField()
    started = serializers.BooleanField(help_text="false when the workflow was already running")


class StatusSerializer(serializers.Serializer):
    cycle_id = serializers.IntegerField()
    report_id = serializers.IntegerField()
    workflow_id = serializers.CharField()
    pending_delivery = serializers.IntegerField(help_text="submissions stored while Temporal was unreachable")
    current_phase = serializers.CharField(allow_null=True)
    awaiting_action = serializers.CharField(allow_null=True, help_text="tester_review or report_owner_approval")
    assignee = serializers.CharField(allow_null=True)
    awaiting_since = serializers.DateTimeField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    escalated = serializers.BooleanField()
    round = serializers.IntegerField(allow_null=True)
    phase_progress = serializers.DictField(child=serializers.CharField(), help_text="status of each phase")
    refused_messages = serializers.IntegerField(required=False, help_text="only when answered by the workflow")
    source = serializers.ChoiceField(choices=["workflow", "database"])


class AcceptedSerializer(serializers.Serializer):
    accepted = serializers.BooleanField()
    version = serializers.IntegerField(allow_null=True)
    submission_id = serializers.UUIDField()


class PendingDeliverySerializer(serializers.Serializer):
    pending_delivery = serializers.BooleanField()
    submission_id = serializers.UUIDField()
    detail = serializers.CharField()


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="1 to 200 characters, unique per user. Re-sending with the same key returns the first "
    "answer without acting again; the same key with a different body is refused with 409.",
)

FIELD_ERRORS = OpenApiResponse(
    inline_serializer(
        "FieldErrors",
        {"detail": serializers.CharField(required=False)},
    ),
    description="Invalid input: field errors keyed by field name (decisions by attribute id), or a detail message.",
)
NOT_LOGGED_IN = OpenApiResponse(ErrorSerializer, description="Not logged in (no or bad token).")
FORBIDDEN = OpenApiResponse(ErrorSerializer, description="Not assigned to this report or task.")
NOT_FOUND = OpenApiResponse(ErrorSerializer, description="No such report in this cycle.")

READ_ERRORS = {401: NOT_LOGGED_IN, 403: FORBIDDEN, 404: NOT_FOUND}

SUBMISSION_RESPONSES = {
    200: OpenApiResponse(AcceptedSerializer, description="Accepted by the workflow."),
    202: OpenApiResponse(
        PendingDeliverySerializer, description="Stored; Temporal is unreachable and it will be delivered when it is back."
    ),
    400: FIELD_ERRORS,
    **READ_ERRORS,
    409: OpenApiResponse(
        ErrorSerializer,
        description="The workflow is not awaiting this action, or the Idempotency-Key was used for another submission.",
    ),
}
