"""A report's status in plain words for its page ("Awaiting Report-owner
approval by Olivia Owner (owner), due Mon 30 Nov 2026, 18:00 EST"), never
the workflow's codes (`report_owner_approval`, `in_progress`)."""
from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.contrib.auth import get_user_model

from cycles.models import PhaseStatus
from cycles.registry import UnknownStep, registry
from cycles.templatetags.plain_words import format_person, format_when


def step_label(kind: str | None) -> str:
    if not kind:
        return ""
    try:
        return registry.step(kind).label
    except UnknownStep:
        return kind.replace("_", " ").capitalize()


def phase_label(state: str) -> str:
    # The database says "in_progress", the workflow's query may say otherwise.
    normalized = {"inprogress": "in_progress", "notstarted": "not_started"}.get(state, state)
    if normalized in PhaseStatus.Status.values:
        return PhaseStatus.Status(normalized).label
    return str(state).replace("_", " ").capitalize()


def describe(status: dict, started: bool, active_task=None) -> dict:
    """What the page says: each phase's state, and what the report awaits."""
    progress = status.get("phase_progress", {})
    # In the phases' own order, whatever order the workflow's answer has.
    order = {phase.name: i for i, phase in enumerate(registry.phases())}
    names = sorted(progress, key=lambda name: (order.get(name, len(order)), name))
    phases = [(name, progress[name], phase_label(progress[name])) for name in names]
    kind = status.get("awaiting_action")
    if kind:
        holder = (
            active_task.assignee
            if active_task is not None and active_task.assignee.get_username() == status.get("assignee")
            else get_user_model().objects.filter(username=status.get("assignee")).first()
        )
        who = format_person(holder) if holder else (status.get("assignee") or "someone")
        awaiting = f"{step_label(kind)} by {who}"
        if status.get("due_at"):
            awaiting += f", due {format_when(status['due_at'])}"
    elif not started:
        awaiting = "Not started yet: the tester or a test manager starts it."
    elif phases and all(label == "Completed" for _, _, label in phases):
        awaiting = "Nothing: every phase is completed."
    else:
        awaiting = "Nothing from anyone right now: the workflow is working."
    return {"phases": phases, "awaiting": awaiting, "escalated": bool(status.get("escalated")) and bool(kind)}


def temporal_ui_link(cycle_report) -> str:
    """The workflow's page in the Temporal Web UI ("" when not configured)."""
    base = getattr(settings, "TEMPORAL_UI_URL", "")
    if not base or not cycle_report.workflow_run_id:
        return ""
    return (
        f"{base}/namespaces/{quote(settings.TEMPORAL_NAMESPACE, safe='')}/workflows/"
        f"{quote(cycle_report.expected_workflow_id, safe='')}"
    )
