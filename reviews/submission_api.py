"""The REST endpoint of every registered human step:
POST /api/cycles/{cycle_id}/reports/{report_id}/{step.api_path}.

One view for all steps, through the same submit service as the forms:
authorization before validation (403 for someone who may not act, whatever
the body), the step's serializer and its checks against the database (400
with field errors), then the stored, idempotent submission (200 accepted,
202 stored while Temporal is unreachable, 409 not awaited)."""
from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from cycles import api_schema as doc
from cycles.registry import HumanStep, registry

from . import human_tasks, separation_of_duties, submissions
from .report_api import CycleReportView


class SubmissionView(CycleReportView):
    step: HumanStep  # set per step by submission_urls()

    def post(self, request, cycle_id: int, report_id: int):
        step = self.step
        cr = self.cycle_report(request, cycle_id, report_id)
        key = request.headers.get("Idempotency-Key")
        problem = submissions.key_problem(key)
        if problem:
            return Response({"detail": problem}, status=400)
        body = request.data if isinstance(request.data, dict) else None
        if submissions.has_previous(request.user, key):
            # A retry: the first answer, whatever happened since; but a key
            # reused for another payload or report is a 409, never a false "accepted".
            serializer = step.serializer(data=body or {}, context={"cycle_report": cr})
            payload = serializer.payload() if serializer.is_valid() else request.data
            previous = submissions.previous_answer(request.user, key, cr, step.kind, payload)
            if previous is not None:
                return Response(previous.body, status=previous.status)
        task = human_tasks.active_task(cr, step.kind)
        if task is None:
            answer = submissions.refuse_attempt(
                cr, step.kind, request.user, 409, f"This report is not awaiting a {step.label.lower()}.", body
            )
            return Response(answer.body, status=answer.status)
        on_behalf_of = human_tasks.acting_for(request.user, task)
        if on_behalf_of is None:
            answer = submissions.refuse_attempt(
                cr, step.kind, request.user, 403,
                f"This task is assigned to {task.assignee.get_username()}; only they or their delegate can act on it.",
                body,
            )
            raise PermissionDenied(answer.body["detail"])
        try:
            separation_of_duties.check(cr, step.kind, request.user, on_behalf_of)
        except separation_of_duties.SeparationOfDuties as refusal:
            submissions.refuse_attempt(cr, step.kind, request.user, 403, str(refusal), body)
            raise PermissionDenied(str(refusal)) from None
        if body is None:
            return Response({"detail": "Expected a JSON object."}, status=400)
        serializer = step.serializer(data=body, context={"cycle_report": cr})
        serializer.is_valid(raise_exception=True)
        if step.check:
            errors = step.check(cr, serializer)
            if errors:
                return Response(errors, status=400)
        answer = submissions.submit(cr, step.kind, request.user, serializer.payload(), key)
        return Response(answer.body, status=answer.status)


def submission_urls(prefix: str) -> list:
    """One endpoint per registered step, each documented with its own
    request body in the OpenAPI schema."""
    patterns = []
    for step in registry.steps():
        view = type(
            f"{step.serializer.__name__.removesuffix('Serializer')}View",
            (SubmissionView,),
            {"step": step, "__doc__": f"Submit the {step.label.lower()}."},
        )
        view = extend_schema(
            methods=["POST"],
            summary=f"Submit the {step.label.lower()}",
            request=step.serializer,
            parameters=[doc.IDEMPOTENCY_KEY],
            responses=doc.SUBMISSION_RESPONSES,
        )(view)
        patterns.append(path(f"{prefix}/{step.api_path}", view.as_view(), name=f"api-{step.api_path}"))
    return patterns
