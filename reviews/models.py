import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from cycles.immutable import ImmutableModel


class HumanTask(models.Model):
    """A human step the workflow waits for. Opened and closed only by the
    step's activities, so the row and the workflow agree."""

    class State(models.TextChoices):
        OPEN = "open", "Open"
        ESCALATED = "escalated", "Escalated"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

    ACTIVE_STATES = (State.OPEN, State.ESCALATED)

    # A registered human step's kind (cycles.registry): the phases declare them.
    kind = models.CharField(max_length=30)
    cycle_report = models.ForeignKey(
        "cycles.CycleReport", on_delete=models.PROTECT, related_name="tasks"
    )
    round = models.PositiveIntegerField(default=1)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tasks")
    original_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField()
    due_at = models.DateTimeField()
    state = models.CharField(max_length=20, choices=State.choices, default=State.OPEN)
    escalated_at = models.DateTimeField(null=True, blank=True)
    reminders_sent = models.PositiveIntegerField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    workflow_id = models.CharField(max_length=200)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["assignee", "state"]), models.Index(fields=["state", "due_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle_report", "kind"],
                condition=Q(state__in=["open", "escalated"]),
                name="one_active_task_per_step",
            ),
            models.UniqueConstraint(
                fields=["cycle_report", "kind", "round"], name="task_round_unique"
            ),
            models.CheckConstraint(condition=Q(due_at__gte=F("opened_at")), name="task_due_after_opened"),
        ]

    def __str__(self):
        return f"{self.label} of {self.cycle_report} (round {self.round})"

    @property
    def step(self):
        from cycles.registry import registry

        return registry.step(self.kind)

    @property
    def label(self) -> str:
        """The step's name for people ("Tester review")."""
        from cycles.registry import UnknownStep, registry

        try:
            return registry.step(self.kind).label
        except UnknownStep:  # a step no longer registered: still readable
            return self.kind.replace("_", " ").capitalize()

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE_STATES

    @property
    def is_overdue(self) -> bool:
        return self.is_active and self.due_at < timezone.now()


class Delegation(models.Model):
    """Standing delegation: between two dates, B acts on A's tasks (leave)."""

    delegator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="delegations_given")
    delegate = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="delegations_received")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=500)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="delegation_ends_after_start"),
            models.CheckConstraint(condition=~Q(delegator=F("delegate")), name="delegation_to_someone_else"),
        ]

    def clean(self):
        from cycles import roles

        # Said in plain words and on the field, before the database's check
        # constraints would be named in the admin ("Constraint ... is violated").
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "The delegation must end after it starts."})
        if self.delegator_id and self.delegate_id and self.delegator_id == self.delegate_id:
            raise ValidationError({"delegate": "Choose someone else: a person cannot delegate to themselves."})
        if self.delegator_id and self.delegate_id:
            needed = [r for r in (roles.TESTER, roles.REPORT_OWNER) if roles.has_role(self.delegator, r)]
            if needed and not any(roles.has_role(self.delegate, r) for r in needed):
                raise ValidationError(
                    {"delegate": f"{self.delegate} has none of {self.delegator}'s roles ({', '.join(needed)}) and could act on none of their tasks."}
                )

    def __str__(self):
        return f"{self.delegator} → {self.delegate}"

    @property
    def last_day(self):
        """The last day it covers, in the site's time zone ("until 12 Dec")."""
        from datetime import timedelta

        return timezone.localtime(self.ends_at - timedelta(microseconds=1)).date()


class DelegationChange(models.Model):
    """Append-only history of delegations (created, changed, ended,
    deleted), whoever made the change and wherever (profile page, admin):
    the audit trail of who could act for whom, and when. A copy of the
    delegation's terms is kept, so a deleted delegation stays readable."""

    class Change(models.TextChoices):
        CREATED = "delegation_created", "Delegation created"
        CHANGED = "delegation_changed", "Delegation changed"
        ENDED = "delegation_ended", "Delegation ended early"
        DELETED = "delegation_deleted", "Delegation deleted"

    delegation_id_ref = models.PositiveBigIntegerField(help_text="id of the delegation (it may be deleted since)")
    change = models.CharField(max_length=30, choices=Change.choices)
    delegator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    delegate = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=500, blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["at"])]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError("Delegation changes are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Delegation changes are append-only")

    @property
    def last_day(self):
        """The last day the delegation covered (ends_at is the midnight after)."""
        from datetime import timedelta

        return timezone.localtime(self.ends_at - timedelta(microseconds=1)).date()

    def describe(self) -> str:
        from cycles.templatetags.plain_words import format_when

        return (
            f"{self.get_change_display()}: {self.delegate.get_username()} acts for {self.delegator.get_username()} "
            f"from {format_when(self.starts_at)} until {format_when(self.ends_at)}" + (f" ({self.reason})" if self.reason else "")
        )


class Reassignment(models.Model):
    task = models.ForeignKey(HumanTask, on_delete=models.PROTECT, related_name="reassignments")
    from_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    to_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=500)
    reassigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reassigned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["reassigned_at"]


class AuditEvent(models.Model):
    """Append-only: every state change and every refused attempt."""

    class Event(models.TextChoices):
        WORKFLOW_STARTED = "workflow_started", "Workflow started"
        PHASE_STARTED = "phase_started", "Phase started"
        RECOMMENDATIONS = "recommendations_generated", "Recommendations generated"
        TASK_OPENED = "task_opened", "Task opened"
        REMINDER = "reminder_sent", "Reminder sent"
        ESCALATION = "escalated", "Escalated"
        REASSIGNMENT = "reassigned", "Reassigned"
        SUBMISSION_ACCEPTED = "submission_accepted", "Submission accepted"
        SUBMISSION_REFUSED = "submission_refused", "Submission refused"
        SUBMISSION_PENDING = "submission_pending", "Submission stored for delivery"
        APPROVED = "approved", "Approved"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        PHASE_COMPLETED = "phase_completed", "Phase completed"
        NOTICE_SENT = "notice_sent", "Notice sent"
        FILE_UPLOADED = "file_uploaded", "File uploaded"

    cycle = models.ForeignKey("cycles.TestCycle", on_delete=models.PROTECT, related_name="audit_events")
    cycle_report = models.ForeignKey(
        "cycles.CycleReport", on_delete=models.PROTECT, related_name="audit_events"
    )
    event = models.CharField(max_length=40, choices=Event.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    workflow_id = models.CharField(max_length=200, blank=True)
    run_id = models.CharField(max_length=100, blank=True)
    payload_hash = models.CharField(max_length=64, blank=True)
    detail = models.TextField(blank=True)
    # Activities may be retried: the key makes a retried write a no-op.
    dedupe_key = models.CharField(max_length=200, unique=True, null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["cycle_report", "at"]), models.Index(fields=["cycle", "at"])]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError("Audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Audit events are append-only")


class InboundSubmission(models.Model):
    """Every human submission, stored before it is sent to the workflow:
    the idempotency record and the outbox for when Temporal is down."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending delivery"
        ACCEPTED = "accepted", "Accepted"
        REFUSED = "refused", "Refused"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    idempotency_key = models.CharField(max_length=200)
    cycle_report = models.ForeignKey(
        "cycles.CycleReport", on_delete=models.PROTECT, related_name="inbound_submissions"
    )
    kind = models.CharField(max_length=30)  # a registered human step's kind
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    on_behalf_of = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    payload = models.JSONField()
    payload_hash = models.CharField(max_length=64)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response = models.JSONField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    label = HumanTask.label

    class Meta:
        ordering = ["created_at"]
        constraints = [
            # The key is scoped to the sender so that one user's key can never
            # replay another user's answer.
            models.UniqueConstraint(fields=["submitted_by", "idempotency_key"], name="idempotency_key_per_user"),
        ]
        indexes = [models.Index(fields=["state", "created_at"])]


class Notification(models.Model):
    """An e-mail to send: the outbox row, written in the same transaction as
    the change it announces, so that the e-mail is sent if and only if the
    change commits, whatever the broker or the mail server are doing then.
    Celery sends it after the commit and retries; a periodic sweep sends what
    is left (reviews.notification_outbox)."""

    event = models.CharField(max_length=40)
    cycle_report = models.ForeignKey(
        "cycles.CycleReport", on_delete=models.PROTECT, null=True, blank=True, related_name="notifications"
    )
    recipients = models.JSONField()
    subject = models.CharField(max_length=255)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Whoever is sending it holds it until then, so that the task and the
    # sweep never send it twice at once; a crashed sender's claim lapses.
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["sent_at", "created_at"])]

    def __str__(self):
        return f"{self.event}: {self.subject}"


class WorkflowMessage(models.Model):
    """A signal to a workflow, written in the transaction of the change it
    carries (a reassignment) and sent after the commit: the workflow hears
    of a change only if it committed, and hears of every one that did, in
    order, even if Temporal was unreachable at the time
    (reviews.workflow_messages)."""

    workflow_id = models.CharField(max_length=200)
    signal = models.CharField(max_length=100)
    payload = models.JSONField()
    about = models.CharField(max_length=200, blank=True, help_text="what the message carries, for people")
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["delivered_at", "workflow_id"])]

    def __str__(self):
        return f"{self.signal} to {self.workflow_id}"


class SubmittedVersion(ImmutableModel):
    """One round of a step that submits work (a review, a sample): a version
    of it. A new round's version supersedes the previous one, which stays
    readable; at most one is current."""

    cycle_report = models.ForeignKey("cycles.CycleReport", on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField()
    message_id = models.CharField(max_length=100, unique=True, help_text="id of the workflow message that carried it")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    on_behalf_of = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField()
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["cycle_report", "version"]
        constraints = [
            models.UniqueConstraint(fields=["cycle_report", "version"], name="%(app_label)s_%(class)s_version_unique"),
            models.UniqueConstraint(
                fields=["cycle_report"], condition=Q(superseded_at__isnull=True), name="%(app_label)s_%(class)s_one_current"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="%(app_label)s_%(class)s_version_positive"),
        ]

    def __str__(self):
        return f"{self.cycle_report} v{self.version}"


class ApprovalRecord(ImmutableModel):
    """A decision on one version of what another step submitted: approved, or
    sent back with comments (a new round follows). Each phase's approval
    step keeps its own table of them, with a link to the version decided.

    The submitter of record (who submitted the version, and for whom) is
    copied onto the row so that the database itself refuses an approval by
    either of them (separation of duties)."""

    class Outcome(models.TextChoices):
        APPROVED = "approved", "Approved"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"

    cycle_report = models.ForeignKey("cycles.CycleReport", on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField()
    message_id = models.CharField(max_length=100, unique=True, help_text="id of the workflow message that carried it")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    comments = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    on_behalf_of = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()
    superseded_at = models.DateTimeField(null=True, blank=True)
    # Null only on decisions recorded before the copy existed.
    submitter_of_record = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_for = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        abstract = True
        ordering = ["cycle_report", "version"]
        constraints = [
            models.UniqueConstraint(fields=["cycle_report", "version"], name="%(app_label)s_%(class)s_version_unique"),
            models.CheckConstraint(
                condition=Q(submitter_of_record__isnull=True)
                | (
                    ~Q(decided_by=F("submitter_of_record"))
                    & ~Q(decided_by=F("submitted_for"))
                    & ~Q(on_behalf_of=F("submitter_of_record"))
                    & ~Q(on_behalf_of=F("submitted_for"))
                ),
                name="%(app_label)s_%(class)s_not_by_submitter",
            ),
            models.CheckConstraint(
                condition=Q(outcome="approved") | ~Q(comments=""),
                name="%(app_label)s_%(class)s_sent_back_with_comments",
            ),
        ]

    @property
    def approved(self) -> bool:
        return self.outcome == self.Outcome.APPROVED
