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
