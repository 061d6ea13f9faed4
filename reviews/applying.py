"""What every step's apply activity does around its phase's own service:
find the report, the task and the people; refuse what the database's own
checks refuse (the step then keeps waiting for a valid submission); and
complete the task in the same transaction as the phase's write."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Callable

from django.contrib.auth import get_user_model
from temporalio.exceptions import ApplicationError

from cycles.human_steps import REFUSED, ActivityRef
from cycles.models import CycleReport

from . import audit
from .human_tasks import complete_task
from .models import AuditEvent, HumanTask

User = get_user_model()


class Refused(Exception):
    """A phase service refuses a submission (the workflow's validator should
    have caught it; this is the last line)."""


@dataclass
class Submitted:
    """A submission as a phase service receives it."""

    cycle_report: CycleReport
    task: HumanTask
    submitted_by: Any
    on_behalf_of: Any
    message: Any  # the step's message dataclass
    workflow_id: str
    run_id: str

    def complete_task(self) -> None:
        """Close the task; call it inside the service's transaction."""
        complete_task(self.task, self.submitted_by, self.on_behalf_of)

    def applied(self, detail: str, event: str = AuditEvent.Event.SUBMISSION_ACCEPTED, payload: Any = None) -> None:
        """Close the task and write the timeline's line for the submission
        (by default its message); inside the service's transaction."""
        self.complete_task()
        audit.record(
            event,
            self.cycle_report,
            actor=self.submitted_by,
            on_behalf_of=self.on_behalf_of,
            workflow_id=self.workflow_id,
            run_id=self.run_id,
            payload=asdict(self.message) if payload is None else payload,
            detail=detail,
        )


def applied_version(model) -> Callable[[str], int | None]:
    """A step's `applied_version`: the version a submission's message id was
    stored under in `model` (a phase's versioned record), or None."""

    def version(message_id: str):
        return model.objects.filter(message_id=message_id).values_list("version", flat=True).first()

    return version


def people_named(*usernames: str) -> list:
    """The users of a submission's usernames, in order, read at once (the
    submitter and the person they act for are usually the same); Refused if
    one is unknown."""
    found = {u.get_username(): u for u in User.objects.filter(username__in=set(usernames))}
    missing = [name for name in usernames if name not in found]
    if missing:
        raise Refused(f"unknown user {missing[0]!r}")
    return [found[name] for name in usernames]


def apply_activity(ref: ActivityRef) -> Callable:
    """Decorate a phase service `fn(submitted: Submitted) -> result` as the
    implementation of the step's apply activity `ref`."""

    def wrap(fn):
        def activity_fn(req):
            cr = CycleReport.objects.select_related("cycle", "report", "tester", "report_owner").get(pk=req.cycle_report_id)
            task = HumanTask.objects.select_related("assignee").get(pk=req.task_id)
            try:
                submitted = Submitted(
                    cr, task, *people_named(req.submission.submitted_by, req.submission.on_behalf_of),
                    req.submission, req.workflow_id, req.run_id,
                )
                return fn(submitted)
            except Refused as refusal:
                raise ApplicationError(str(refusal), type=REFUSED, non_retryable=True) from None

        activity_fn.__name__ = activity_fn.__qualname__ = fn.__name__
        activity_fn.__doc__ = fn.__doc__
        return ref.implement(activity_fn)

    return wrap
