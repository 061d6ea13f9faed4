"""What the shared activities write, and in how many SQL statements: every
report runs each of them several times, so a statement more per call is
CPU on every report (issue 15). Each stays idempotent: a retried activity
writes nothing twice."""
import pytest

from cycles import workflow_types as t
from cycles.models import PhaseStatus
from reviews import audit
from reviews.activities import complete_phase_activity, open_human_task_activity, start_phase_activity
from reviews.applying import Refused, people_named
from reviews.models import AuditEvent, HumanTask, Notification

from .factories import UserFactory, scoped_report

pytestmark = pytest.mark.django_db(transaction=True)


def request(cr, **extra):
    return dict(cycle_report_id=cr.pk, workflow_id=cr.expected_workflow_id, run_id="run-1", **extra)


def test_an_audit_event_with_a_key_is_written_once_and_says_so():
    cr = scoped_report(attributes=1)
    first = audit.record(AuditEvent.Event.PHASE_STARTED, cr, detail="one", dedupe_key="k-1")
    again = audit.record(AuditEvent.Event.PHASE_STARTED, cr, detail="two", dedupe_key="k-1")
    assert first is not None and first.pk and not first._state.adding
    assert again is None
    assert list(AuditEvent.objects.filter(dedupe_key="k-1").values_list("pk", "detail")) == [(first.pk, "one")]
    # Without a key every call is a row of its own.
    audit.record(AuditEvent.Event.REMINDER, cr, detail="a")
    audit.record(AuditEvent.Event.REMINDER, cr, detail="a")
    assert AuditEvent.objects.filter(cycle_report=cr, event=AuditEvent.Event.REMINDER).count() == 2
    # The row is whole: what a model save would have written.
    stored = AuditEvent.objects.get(pk=first.pk)
    assert (stored.cycle_id, stored.event, stored.at) == (cr.cycle_id, "phase_started", first.at)


def test_starting_a_phase_moves_a_waiting_status_and_keeps_a_started_one(django_assert_max_num_queries):
    cr = scoped_report(attributes=1)
    req = t.PhaseRequest(**request(cr), phase="Scoping")
    # No row yet: it is written in progress, with the two timeline lines.
    # (Budgets as SQLite counts them: its BEGIN is a statement too. The
    # e-mails of the outbox are sent after the commit, here in the same
    # thread: three statements each.)
    with django_assert_max_num_queries(8):
        start_phase_activity(req)
    status = PhaseStatus.objects.get(cycle_report=cr, phase="Scoping")
    assert status.status == "in_progress" and status.started_at is not None
    # A retry leaves the start time and the timeline as they were.
    start_phase_activity(req)
    assert PhaseStatus.objects.get(pk=status.pk).started_at == status.started_at
    assert AuditEvent.objects.filter(cycle_report=cr, event__in=["workflow_started", "phase_started"]).count() == 2
    # A row waiting (not started) is moved in place, not duplicated.
    PhaseStatus.objects.create(cycle_report=cr, phase="Sample Selection")
    start_phase_activity(t.PhaseRequest(**request(cr), phase="Sample Selection"))
    assert list(PhaseStatus.objects.filter(cycle_report=cr, phase="Sample Selection").values_list("status", flat=True)) == [
        "in_progress"
    ]


def test_opening_a_task_reads_once_and_a_retry_finds_it(django_assert_max_num_queries):
    cr = scoped_report(attributes=2)
    req = t.OpenTask(**request(cr), kind="tester_review", round=1)
    with django_assert_max_num_queries(12):
        terms = open_human_task_activity(req)
    task = HumanTask.objects.get(pk=terms.task_id)
    assert terms.assignee == cr.tester.username == task.assignee.username
    # The retry: the same task, no second notice or timeline line, and only reads.
    with django_assert_max_num_queries(6):
        assert open_human_task_activity(req).task_id == task.pk
    assert Notification.objects.filter(cycle_report=cr, event="assigned").count() == 1
    assert AuditEvent.objects.filter(cycle_report=cr, event="task_opened").count() == 1
    # A new round goes to whoever held the one before (it was reassigned).
    HumanTask.objects.filter(pk=task.pk).update(state=HumanTask.State.COMPLETED, assignee=UserFactory())
    holder = HumanTask.objects.get(pk=task.pk).assignee
    round_two = open_human_task_activity(t.OpenTask(**request(cr), kind="tester_review", round=2))
    assert round_two.assignee == holder.username != cr.tester.username


def test_completing_a_phase_tells_the_manager_once(django_assert_max_num_queries):
    cr = scoped_report(attributes=1)
    req = t.PhaseRequest(**request(cr), phase="Sample Selection")
    start_phase_activity(req)
    with django_assert_max_num_queries(14):
        complete_phase_activity(req)
    complete_phase_activity(req)
    assert PhaseStatus.objects.get(cycle_report=cr, phase="Sample Selection").status == "completed"
    assert AuditEvent.objects.filter(cycle_report=cr, event="notice_sent").count() == 1
    assert Notification.objects.filter(cycle_report=cr, event="phase_completed").count() == 1


def test_the_people_of_a_submission_are_read_at_once(django_assert_num_queries):
    a, b = UserFactory(), UserFactory()
    with django_assert_num_queries(1):
        assert people_named(a.username, a.username) == [a, a]
    with django_assert_num_queries(1):
        assert people_named(a.username, b.username) == [a, b]
    with pytest.raises(Refused, match="unknown user 'nobody'"):
        people_named(a.username, "nobody")
