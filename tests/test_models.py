"""Constraints live in the database, not only in Python."""
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from reviews.models import AuditEvent
from scoping.models import OwnerDecision, Recommendation, ScopingDecision, ScopingSubmission

from .factories import UserFactory, scoped_report

pytestmark = pytest.mark.django_db


def _submission(cr, version=1, **kw):
    return ScopingSubmission.objects.create(
        cycle_report=cr, version=version, message_id=f"m{version}-{cr.pk}", submitted_by=cr.tester,
        on_behalf_of=cr.tester, submitted_at=timezone.now(), **kw,
    )


def test_primary_key_attribute_cannot_be_excluded_in_the_database():
    cr = scoped_report(attributes=2)
    sub = _submission(cr)
    pk_attr = cr.report.attributes.get(is_primary_key=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        ScopingDecision.objects.create(submission=sub, attribute=pk_attr, include=False, attribute_is_primary_key=True)


def test_override_needs_rationale_in_the_database():
    cr = scoped_report(attributes=2)
    sub = _submission(cr)
    attr = cr.report.attributes.get(is_primary_key=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        ScopingDecision.objects.create(submission=sub, attribute=attr, include=False, overrides_recommendation=True)


def test_one_current_submission_and_unique_versions():
    cr = scoped_report(attributes=1)
    _submission(cr, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        _submission(cr, 2)  # v1 is still current
    with pytest.raises(IntegrityError), transaction.atomic():
        ScopingSubmission.objects.create(
            cycle_report=cr, version=1, message_id="other", submitted_by=cr.tester, on_behalf_of=cr.tester,
            submitted_at=timezone.now(), superseded_at=timezone.now(),
        )


def test_submissions_are_immutable_but_can_be_superseded():
    cr = scoped_report(attributes=1)
    sub = _submission(cr)
    sub.overrides = 5
    with pytest.raises(ValidationError):
        sub.save()
    sub.superseded_at = timezone.now()
    sub.save(update_fields=["superseded_at"])
    assert ScopingSubmission.objects.get().superseded_at is not None


def test_changes_requested_needs_comments_and_risk_score_is_bounded():
    cr = scoped_report(attributes=1)
    sub = _submission(cr)
    with pytest.raises(IntegrityError), transaction.atomic():
        OwnerDecision.objects.create(
            submission=sub, cycle_report=cr, version=1, message_id="o1", outcome="changes_requested",
            comments="", decided_by=cr.report_owner, on_behalf_of=cr.report_owner, decided_at=timezone.now(),
        )
    attr = cr.report.attributes.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Recommendation.objects.create(cycle_report=cr, attribute=attr, include=True, risk_score=101, rationale="x", source="t")


def test_tester_cannot_be_the_report_owner_of_the_same_report():
    person = UserFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        scoped_report(attributes=1, tester=person, report_owner=person)


def test_audit_events_are_append_only():
    cr = scoped_report(attributes=1)
    event = AuditEvent.objects.create(cycle=cr.cycle, cycle_report=cr, event="task_opened")
    event.detail = "changed"
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        event.delete()
