"""Driving a report through its workflow from tests."""
from django.conf import settings

from cycles import workflow_types as t
from reviews.models import HumanTask

from .temporal_harness import wait_until


def start(client, cr):
    return client.post(f"/api/cycles/{cr.cycle_id}/reports/{cr.report_id}/start")


def wait_for_task(cr, kind: str, round_no: int = 1, timeout: float = 30) -> HumanTask:
    return wait_until(
        lambda: HumanTask.objects.filter(cycle_report=cr, kind=kind, round=round_no, state__in=HumanTask.ACTIVE_STATES)
        .select_related("assignee")
        .first(),
        timeout=timeout,
        message=f"{kind} round {round_no} to open",
    )


def query(temporal, cr, name: str = "get_current_phase_status"):
    handle = temporal.env.client.get_workflow_handle(t.workflow_id_for(cr.cycle_id, cr.report_id))
    return temporal.run(handle.query(name))


def wait_for_awaiting(temporal, cr, action, timeout: float = 30):
    """Until the workflow itself says it awaits `action` (the task row is
    written a moment before the workflow records it)."""
    return wait_until(
        lambda: (query(temporal, cr)["awaiting_action"] == action) and query(temporal, cr),
        timeout=timeout,
        message=f"workflow awaiting {action}",
    )


def result(temporal, cr, timeout: float = 60):
    handle = temporal.env.client.get_workflow_handle(t.workflow_id_for(cr.cycle_id, cr.report_id))
    return temporal.run(handle.result(), timeout=timeout)


def review_form_data(cr, overrides=None, token="tok"):
    """POST data for the review form: every attribute as recommended, except
    `overrides` {attribute_id: (include, rationale)}."""
    from scoping.models import Recommendation

    overrides = overrides or {}
    data = {"submission_token": token}
    for rec in Recommendation.objects.filter(cycle_report=cr).select_related("attribute"):
        include, rationale = overrides.get(rec.attribute_id, (rec.include, ""))
        if not rec.attribute.is_primary_key:
            data[f"include_{rec.attribute_id}"] = "1" if include else "0"
        data[f"rationale_{rec.attribute_id}"] = rationale
    return data


def task_queue():
    return settings.TEMPORAL_TASK_QUEUE
