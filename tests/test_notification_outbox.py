"""Issue 9, item 8: no e-mail lost. A notification is an outbox row written
with the change it announces; with the broker down it waits and the sweep
sends it, once; the filesystem broker's folders exist for any process."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from reviews import human_tasks, notification_outbox
from reviews.models import AuditEvent, HumanTask, Notification

from .celery_harness import redis_celery_worker, reset_pools
from .factories import scoped_report
from .process_harness import free_port
from .temporal_harness import wait_until

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def task(db):
    cr = scoped_report(attributes=1)
    now = timezone.now()
    return HumanTask.objects.create(
        kind="tester_review", cycle_report=cr, assignee=cr.tester, original_assignee=cr.tester,
        opened_at=now, due_at=now, workflow_id="wf",
    )


@pytest.fixture
def broker_down():
    from config.celery import app

    saved = {k: app.conf.get(k) for k in ("broker_url", "task_always_eager", "broker_connection_retry", "broker_connection_max_retries")}
    app.conf.update(broker_url=f"redis://127.0.0.1:{free_port()}/0", task_always_eager=False, broker_connection_max_retries=0)
    reset_pools(app)
    yield app
    app.conf.update(**saved)
    reset_pools(app)


def test_with_the_broker_down_the_e_mail_waits_in_the_outbox_and_the_sweep_sends_it_once(
    task, broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        human_tasks.remind(task.pk, "wf", "run", "1")  # enqueueing fails: no exception reaches the caller
    note = Notification.objects.get()
    assert note.sent_at is None and note.recipients == [task.assignee.email]
    assert "Reminder" in note.subject and not mail.outbox
    assert AuditEvent.objects.filter(event="reminder_sent").count() == 1

    assert notification_outbox.send_pending(older_than=0) == 1
    assert notification_outbox.send_pending(older_than=0) == 0
    note.refresh_from_db()
    assert note.sent_at is not None and note.attempts == 1
    assert [m.subject for m in mail.outbox] == [note.subject]


def test_no_change_no_e_mail(task):
    """The row belongs to the change's transaction: rolled back together."""
    with pytest.raises(RuntimeError), transaction.atomic():
        human_tasks.remind(task.pk, "wf", "run", "1")
        raise RuntimeError("the change fails after the notice was queued")
    assert not Notification.objects.exists() and not mail.outbox
    task.refresh_from_db()
    assert task.reminders_sent == 0


def test_a_mail_server_failure_is_retried_not_lost(task, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    with django_capture_on_commit_callbacks(execute=True):
        human_tasks.remind(task.pk, "wf", "run", "1")
    note = Notification.objects.get()
    assert note.sent_at is None and note.attempts == 1 and "ConnectionRefused" in note.last_error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notification_outbox.send_pending(older_than=0) == 1
    note.refresh_from_db()
    assert note.sent_at and note.attempts == 2 and len(mail.outbox) == 1


def test_the_broker_back_a_real_worker_and_the_sweep_deliver_it(task, transactional_db):
    """Through a real Celery worker on Redis: the sweep task finds the row
    written while the broker was unreachable."""
    from config.celery import app

    saved = {k: app.conf.get(k) for k in ("broker_url", "task_always_eager", "broker_connection_max_retries")}
    app.conf.update(broker_url=f"redis://127.0.0.1:{free_port()}/0", task_always_eager=False, broker_connection_max_retries=0)
    reset_pools(app)
    try:
        human_tasks.remind(task.pk, "wf", "run", "1")
    finally:
        app.conf.update(**saved)
        reset_pools(app)
    assert Notification.objects.filter(sent_at__isnull=True).count() == 1
    Notification.objects.update(created_at=timezone.now() - timezone.timedelta(minutes=5))
    with redis_celery_worker() as worker_app:
        from reviews.tasks import send_pending_notifications

        send_pending_notifications.delay()
        wait_until(lambda: Notification.objects.filter(sent_at__isnull=False).exists(), timeout=30, message="the sweep")
    assert len(mail.outbox) == 1 and "Reminder" in mail.outbox[0].subject


def test_any_process_creates_the_filesystem_brokers_folders(tmp_path):
    """`manage.py run_worker` started on its own used to drop every e-mail:
    the folder `make run` creates did not exist. Settings create it now."""
    folder = tmp_path / "no" / "such" / "celery"
    env = {**os.environ, "CELERY_BROKER_URL": "filesystem://", "CELERY_FILESYSTEM_BROKER_DIR": str(folder),
           "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.pop("DATABASE_URL", None)
    code = "import django; django.setup(); from reviews.tasks import send_notification; send_notification.delay(0)"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, timeout=60)
    assert folder.is_dir() and len(list(folder.iterdir())) == 1
