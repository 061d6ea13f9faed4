"""The change shipped behind workflow.patched: the test manager hears when a
report's Scoping completes."""
import pytest
from django.core import mail

from . import workflow_histories as wh
from .temporal_harness import wait_until

pytestmark = pytest.mark.temporal


def test_manager_is_told_when_scoping_completes(temporal):
    cr = wh.approved_first_time(temporal)
    manager = cr.cycle.test_manager
    notice = wait_until(
        lambda: next((m for m in mail.outbox if m.subject.startswith("[RegTest] Scoping completed")), None),
        message="the phase-completed e-mail",
    )
    assert notice.to == [manager.email]
    assert "Version 1" in notice.body and "1 override(s)" in notice.body
    assert f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/" in notice.body


@pytest.mark.django_db(transaction=True)
def test_a_retried_notice_activity_sends_one_email():
    from cycles import workflow_types as t
    from reviews.activities import complete_phase_activity
    from reviews.models import AuditEvent
    from scoping.legacy_activities import notify_phase_completed_activity

    from .factories import scoped_report

    cr = scoped_report(attributes=1)
    req = t.PhaseRequest(cycle_report_id=cr.pk, workflow_id=cr.expected_workflow_id, run_id="run-1", phase="Scoping")
    complete_phase_activity(req)
    complete_phase_activity(req)  # a retry after the first attempt committed
    # The activity of runs started before the phase mechanism notifies alike, once.
    notify_phase_completed_activity(req)
    assert [m.to for m in mail.outbox] == [[cr.cycle.test_manager.email]]
    assert AuditEvent.objects.filter(cycle_report=cr, event="notice_sent").count() == 1
    assert AuditEvent.objects.filter(cycle_report=cr, event="phase_completed").count() == 1
