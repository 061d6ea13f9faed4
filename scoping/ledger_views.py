"""The model-call ledger of a cycle as CSV, for examiners (test managers and
admins download it; admins also read it in the admin): every request to a
model, its prompt version, request hash, raw answer (the API key redacted
when stored), token usage, latency and validation outcome."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from cycles import roles
from cycles.models import TestCycle

from . import csv_export
from .models import ModelCall

COLUMNS = [
    "id", "report_id", "report", "workflow_id", "run_id", "attempt", "batch", "ask", "attribute_ids",
    "requested_model", "model", "prompt_version", "output_mode", "request_sha256", "started_at", "latency_ms",
    "http_status", "finish_reason", "prompt_tokens", "completion_tokens", "total_tokens", "outcome",
    "valid_count", "problem_count", "detail", "raw_answer",
]


@require_safe
def model_calls_csv(request, cycle_id: int):
    if not roles.is_manager(request.user):
        raise PermissionDenied("Only test managers and admins can export the model-call ledger.")
    cycle = get_object_or_404(TestCycle, pk=cycle_id)
    calls = (
        ModelCall.objects.filter(cycle_report__cycle=cycle)
        .select_related("cycle_report__report")
        .order_by("started_at", "id")
    )

    def rows():
        yield COLUMNS
        for c in calls.iterator(chunk_size=500):
            yield [
                c.pk, c.cycle_report.report_id, c.cycle_report.report.name, c.workflow_id, c.run_id, c.attempt,
                c.batch, c.ask, " ".join(map(str, c.attribute_ids)), c.requested_model, c.model, c.prompt_version,
                c.output_mode, c.request_sha256, c.started_at.isoformat(), c.latency_ms, c.http_status,
                c.finish_reason, c.prompt_tokens, c.completion_tokens, c.total_tokens, c.outcome, c.valid_count,
                c.problem_count, c.detail, c.raw_answer,
            ]

    return csv_export.response(rows(), f"cycle-{cycle.pk}-model-calls.csv")
