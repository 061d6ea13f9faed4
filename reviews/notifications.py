"""Who hears about what, by e-mail: each one an outbox row written with the
change it announces, sent by Celery after the commit (notification_outbox)."""
from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from cycles.plain_text import one_line
from cycles.templatetags.plain_words import format_when

from . import notification_outbox

# What happens to a task, whatever its step: the step's label names it.
TASK_SUBJECTS = {
    "assigned": "[RegTest] New task: {task}",
    "reminder": "[RegTest] Reminder: {task} is due {due}",
    "escalation": "[RegTest] Escalation: {task} is overdue",
    "reassigned": "[RegTest] Task reassigned to you: {task}",
    "reassigned_away": "[RegTest] Task reassigned to someone else: {task}",
}


def task_url(task) -> str:
    """The step's own page (its URL name is declared with the step)."""
    path = reverse(task.step.page, args=[task.cycle_report.cycle_id, task.cycle_report.report_id])
    return settings.SITE_URL.rstrip("/") + path


def status_url(cycle_report) -> str:
    path = reverse("reviews:report_status", args=[cycle_report.cycle_id, cycle_report.report_id])
    return settings.SITE_URL.rstrip("/") + path


def _send(event: str, users, subject: str, body: str, cycle_report=None) -> None:
    to = sorted({u.email for u in users if u is not None and u.email})
    if to:
        # Names in a subject are typed by people: a line break in one would
        # make Django refuse the whole e-mail (BadHeaderError).
        notification_outbox.queue(event, to, one_line(subject), body, cycle_report=cycle_report)


def task_event(event: str, task, recipients, note: str = "") -> None:
    subject = TASK_SUBJECTS[event].format(task=task, due=format_when(task.due_at))
    lines = [
        f"{task.label} of {task.cycle_report.report} in cycle {task.cycle_report.cycle}.",
        f"Assigned to: {task.assignee.get_username()}",
        f"Due: {format_when(task.due_at)}",
    ]
    if note:
        lines += ["", note]
    lines += ["", f"Open the form: {task_url(task)}", f"The report's page: {status_url(task.cycle_report)}"]
    _send(event, recipients, subject, "\n".join(lines), task.cycle_report)


def report_event(event: str, subject: str, cycle_report, recipients, note: str = "") -> None:
    """A phase's news about a report (approved, sent back, ...), worded by the phase."""
    subject = f"[RegTest] {subject}: {cycle_report}"
    body = f"{cycle_report.report} in cycle {cycle_report.cycle}.\n"
    if note:
        body += f"\n{note}\n"
    body += f"\nSee the report: {status_url(cycle_report)}"
    _send(event, recipients, subject, body, cycle_report)


def delivery_refused(inbound, reason: str) -> None:
    """A submission that was stored while Temporal was unreachable (the
    person was told it would be applied) turned out to be refused."""
    cycle_report = inbound.cycle_report
    what = inbound.label.lower()
    subject = f"[RegTest] Not applied: your {what} of {cycle_report.report}"
    body = (
        f"Your {what} of {cycle_report.report} in cycle {cycle_report.cycle}, saved on "
        f"{format_when(inbound.created_at)} while the workflow service was unreachable, "
        f"was refused when it was delivered:\n\n{reason}\n\nSee the report: {status_url(cycle_report)}"
    )
    _send("delivery_refused", [inbound.submitted_by, inbound.on_behalf_of], subject, body, cycle_report)


def phase_completed(cycle_report, phase: str, recipients, note: str = "") -> None:
    report_event("phase_completed", f"{phase} completed", cycle_report, recipients, note)
