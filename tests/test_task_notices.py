"""Reminder and escalation activities, without a workflow: each is written
once however often a retry runs it, and each e-mail links into the site."""
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from reviews import human_tasks
from reviews.models import AuditEvent, HumanTask

from .factories import scoped_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def task():
    cr = scoped_report(attributes=1)
    now = timezone.now()
    return HumanTask.objects.create(
        kind="tester_review", cycle_report=cr, assignee=cr.tester, original_assignee=cr.tester,
        opened_at=now - timedelta(seconds=10), due_at=now - timedelta(seconds=1), workflow_id="wf",
    )


def test_a_retried_reminder_is_sent_once(task, django_capture_on_commit_callbacks, settings):
    settings.SITE_URL = "https://regtest.bank.example/"
    with django_capture_on_commit_callbacks(execute=True):
        human_tasks.remind(task.pk, "wf", "run", "7")
        human_tasks.remind(task.pk, "wf", "run", "7")  # the same activity, retried
        human_tasks.remind(task.pk, "wf", "run", "9")  # the next reminder
    task.refresh_from_db()
    assert task.reminders_sent == 2
    assert AuditEvent.objects.filter(event="reminder_sent").count() == 2
    assert [m.to for m in mail.outbox] == [[task.assignee.email]] * 2
    cr = task.cycle_report
    body = mail.outbox[0].body
    assert f"https://regtest.bank.example/cycles/{cr.cycle_id}/reports/{cr.report_id}/review/" in body
    assert f"https://regtest.bank.example/cycles/{cr.cycle_id}/reports/{cr.report_id}/" in body


def test_escalation_once_then_reminders_still_go(task, django_capture_on_commit_callbacks):
    manager = task.cycle_report.cycle.test_manager
    with django_capture_on_commit_callbacks(execute=True):
        human_tasks.escalate(task.pk, "wf", "run")
        human_tasks.escalate(task.pk, "wf", "run")
        human_tasks.remind(task.pk, "wf", "run", "12")
    task.refresh_from_db()
    assert task.state == "escalated" and task.escalated_at
    assert AuditEvent.objects.filter(event="escalated").count() == 1
    escalations = [m for m in mail.outbox if "Escalation" in m.subject]
    assert len(escalations) == 1 and sorted(escalations[0].to) == sorted([manager.email, task.assignee.email])
    assert task.reminders_sent == 1


def test_nothing_for_a_finished_task(task, django_capture_on_commit_callbacks):
    HumanTask.objects.filter(pk=task.pk).update(state="completed")
    with django_capture_on_commit_callbacks(execute=True):
        human_tasks.remind(task.pk, "wf", "run", "1")
        human_tasks.escalate(task.pk, "wf", "run")
    assert mail.outbox == [] and not AuditEvent.objects.exists()
