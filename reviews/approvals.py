"""The approval steps' shared parts: the serializer and the form a person
answers with, and the service that records the decision on the version
under approval (cycles.human_steps has the workflow's side: the message,
the result and the rules). A phase's approval step is then its page, which
shows what is approved, and a few lines of declaration."""
from __future__ import annotations

import uuid

from django import forms
from django.db import transaction
from django.utils import timezone
from rest_framework import serializers

from cycles.plain_text import meaningful
from cycles.strict_fields import StrictBooleanField

from . import notifications
from .applying import Refused, Submitted
from .separation_of_duties import people_of_record
from .models import ApprovalRecord, AuditEvent

MAX_COMMENTS = 10000


class ApprovalSerializer(serializers.Serializer):
    approved = StrictBooleanField()
    comments = serializers.CharField(required=False, allow_blank=True, default="", max_length=MAX_COMMENTS)

    def validate(self, data):
        if not data["approved"] and not meaningful(data["comments"]):
            raise serializers.ValidationError({"comments": ["Comments are required when not approving."]})
        return data

    def payload(self) -> dict:
        return {"approved": self.validated_data["approved"], "comments": meaningful(self.validated_data["comments"])}


class ApprovalForm(forms.Form):
    submission_token = forms.CharField(widget=forms.HiddenInput, max_length=200)
    decision = forms.ChoiceField(
        choices=[("approve", "Approve"), ("request_changes", "Send back for changes")],
        widget=forms.RadioSelect,
    )
    comments = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}), max_length=MAX_COMMENTS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["submission_token"].initial = uuid.uuid4().hex

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "request_changes" and not meaningful(cleaned.get("comments")):
            self.add_error("comments", "Comments are required when sending it back.")
        return cleaned

    def payload(self) -> dict:
        return {
            "approved": self.cleaned_data["decision"] == "approve",
            "comments": meaningful(self.cleaned_data.get("comments")),
        }


def record(submitted: Submitted, model: type[ApprovalRecord], versions, link: str, what: str) -> ApprovalRecord:
    """Record the decision on the current version of `versions` (a
    SubmittedVersion model), in `model` whose field `link` points at it.
    Idempotent by message id; refuses an approval by the submitter of record."""
    cycle_report, message = submitted.cycle_report, submitted.message
    existing = model.objects.filter(message_id=message.submission_id).first()
    if existing:  # a retried activity: the first attempt committed
        return existing
    decided_by, on_behalf_of = submitted.submitted_by, submitted.on_behalf_of
    comments = meaningful(message.comments)
    if not message.approved and not comments:
        raise Refused("comments are required when requesting changes")
    with transaction.atomic():
        cycle_report.lock()
        reviewed = (
            versions.objects.filter(cycle_report=cycle_report, superseded_at__isnull=True)
            .select_related("submitted_by", "on_behalf_of")
            .first()
        )
        if reviewed is None:
            raise Refused(f"there is no {what} to approve")
        submitters = people_of_record(reviewed)
        if decided_by.pk in submitters or on_behalf_of.pk in submitters:
            raise Refused(f"the submitter of record (who submitted the {what}, or for whom it was submitted) cannot approve it")
        outcome = ApprovalRecord.Outcome.APPROVED if message.approved else ApprovalRecord.Outcome.CHANGES_REQUESTED
        decision = model.objects.create(
            **{link: reviewed},
            cycle_report=cycle_report,
            version=reviewed.version,
            message_id=message.submission_id,
            outcome=outcome,
            comments=comments,
            decided_by=decided_by,
            on_behalf_of=on_behalf_of,
            decided_at=timezone.now(),
            submitter_of_record_id=reviewed.submitted_by_id,
            submitted_for_id=reviewed.on_behalf_of_id,
        )
        submitted.applied(
            f"{what.capitalize()} version {reviewed.version}: {outcome.label}" + (f" — {comments}" if comments else ""),
            event=AuditEvent.Event.APPROVED if message.approved else AuditEvent.Event.CHANGES_REQUESTED,
        )
        notifications.report_event(
            "approved" if message.approved else "changes_requested",
            f"Approved ({what})" if message.approved else f"Changes requested ({what})",
            cycle_report,
            [reviewed.submitted_by, reviewed.on_behalf_of],
            note=comments,
        )
    return decision


def supersede_current(versions, cycle_report, now) -> int:
    """In the caller's transaction, with the cycle report locked: the current
    version of `versions` (and any decision on it, by the models that link
    to it) is superseded; answers the new version's number."""
    previous = versions.objects.filter(cycle_report=cycle_report, superseded_at__isnull=True).first()
    if previous is None:
        return 1
    previous.superseded_at = now
    previous.save(update_fields=["superseded_at"])
    for relation in versions._meta.related_objects:
        if relation.one_to_one and issubclass(relation.related_model, ApprovalRecord):
            relation.related_model.objects.filter(**{relation.field.name: previous}, superseded_at__isnull=True).update(
                superseded_at=now
            )
    return previous.version + 1
