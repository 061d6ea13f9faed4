"""A report's Scoping phase through the HTML forms, with a real Temporal
dev server and worker: review, send back, review again, approve, complete."""
import pytest

from cycles.models import CycleReport, PhaseStatus
from reviews.models import AuditEvent, HumanTask, InboundSubmission
from scoping.models import OwnerDecision, Recommendation, ScopingDecision, ScopingSubmission

from .clients import browser as login
from . import helpers
from .factories import scoped_report

pytestmark = pytest.mark.temporal



def test_review_rejection_second_review_approval_completion(temporal):
    cr = scoped_report(attributes=6)
    tester, owner = login(cr.tester), login(cr.report_owner)

    assert helpers.start(tester, cr).status_code == 201
    assert helpers.start(tester, cr).status_code == 200  # harmless repeat
    task = helpers.wait_for_task(cr, "tester_review")
    assert task.assignee == cr.tester
    status = helpers.wait_for_awaiting(temporal, cr, "tester_review")
    assert status["assignee"] == cr.tester.username == task.assignee.username
    assert status["phase_progress"] == {"Scoping": "in_progress", "Sample Selection": "not_started", "Evidence": "not_started"}

    # The inbox lists the task; the form lists every attribute, prefilled.
    inbox = tester.get("/tasks/")
    assert cr.report.name in inbox.content.decode()
    page = tester.get(f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/review/")
    assert page.status_code == 200
    recs = {r.attribute_id: r for r in Recommendation.objects.filter(cycle_report=cr).select_related("attribute")}
    assert len(recs) == 6
    for rec in recs.values():
        assert rec.attribute.name in page.content.decode()
    pk_attr = next(a for a, r in recs.items() if r.attribute.is_primary_key)
    flip = next(a for a, r in recs.items() if not r.attribute.is_primary_key and r.include)

    # An override without a rationale re-renders with the error and saves nothing.
    bad = tester.post(page.wsgi_request.path, helpers.review_form_data(cr, {flip: (False, "")}, token="t1"))
    assert bad.status_code == 400
    assert "rationale is required" in bad.content.decode()
    assert not ScopingSubmission.objects.exists()
    assert not InboundSubmission.objects.exists()

    # Round 1: one override, with its rationale.
    ok = tester.post(
        page.wsgi_request.path,
        helpers.review_form_data(cr, {flip: (False, "Covered by the reconciliation control")}, token="t2"),
    )
    assert ok.status_code == 302, ok.content.decode()[:2000]
    v1 = ScopingSubmission.objects.get(cycle_report=cr)
    assert (v1.version, v1.overrides, v1.submitted_by) == (1, 1, cr.tester)
    assert ScopingDecision.objects.filter(submission=v1).count() == 6
    assert ScopingDecision.objects.get(submission=v1, attribute_id=pk_attr).include is True
    helpers.wait_for_awaiting(temporal, cr, "report_owner_approval")

    # The tester cannot approve their own review.
    assert tester.get(f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/approval/").status_code == 403

    approval = owner.get(f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/approval/")
    assert approval.status_code == 200
    assert "Covered by the reconciliation control" in approval.content.decode()

    # Sending back needs comments.
    url = approval.wsgi_request.path
    bad = owner.post(url, {"submission_token": "o1", "decision": "request_changes", "comments": ""})
    assert bad.status_code == 400 and not OwnerDecision.objects.exists()
    back = owner.post(url, {"submission_token": "o2", "decision": "request_changes", "comments": "Keep the rate in scope"})
    assert back.status_code == 302
    assert OwnerDecision.objects.get().outcome == "changes_requested"

    # Round 2: the tester sees the comments and accepts every recommendation.
    helpers.wait_for_task(cr, "tester_review", round_no=2)
    helpers.wait_for_awaiting(temporal, cr, "tester_review")
    page = tester.get(f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/review/")
    assert "Keep the rate in scope" in page.content.decode()
    again = tester.post(page.wsgi_request.path, {"submission_token": "t3", "accept_all": "1"})
    assert again.status_code == 302
    v1.refresh_from_db()
    v2 = ScopingSubmission.objects.get(cycle_report=cr, version=2)
    assert v1.superseded_at is not None and v2.superseded_at is None and v2.overrides == 0
    assert OwnerDecision.objects.get().superseded_at is not None

    helpers.wait_for_awaiting(temporal, cr, "report_owner_approval")
    done = owner.post(url, {"submission_token": "o3", "decision": "approve", "comments": ""})
    assert done.status_code == 302

    outcome = helpers.scoping_outcome(temporal, cr)
    assert (outcome["versions"], outcome["approved_version"]) == (2, 2)
    cr.refresh_from_db()
    assert helpers.phase_status(cr, "Scoping") == "completed"
    assert PhaseStatus.objects.get(cycle_report=cr, phase="Scoping").completed_at
    # Scoping's four tasks are done; the next phase's first step is open.
    assert HumanTask.objects.filter(cycle_report=cr, state="completed").count() == 4
    assert list(HumanTask.objects.filter(cycle_report=cr, state__in=HumanTask.ACTIVE_STATES).values_list("kind", flat=True)) == ["sample_selection"]
    status = tester.get(f"/api/cycles/{cr.cycle_id}/reports/{cr.report_id}/status").json()
    assert status["phase_progress"] == {"Scoping": "completed", "Sample Selection": "in_progress", "Evidence": "not_started"}
    assert status["awaiting_action"] == "sample_selection"

    events = list(AuditEvent.objects.filter(cycle_report=cr).values_list("event", flat=True))
    expected = [
        "workflow_started", "phase_started", "recommendations_generated", "task_opened", "submission_accepted",
        "task_opened", "changes_requested", "task_opened", "submission_accepted", "task_opened", "approved",
        "phase_completed",
        # Then Sample Selection starts and opens its first step.
        "phase_started", "task_opened",
    ]
    assert [e for e in events if e in set(expected)] == expected
    page = tester.get(f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/")
    assert page.status_code == 200 and "Completed" in page.content.decode()
