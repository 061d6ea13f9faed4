"""What every human step's page does, whatever the step: the phase's view
adds its form and template.

- A report the user may not see is a 404 for GET and POST alike, and
  nothing is recorded.
- Nothing awaited: back to the report's page (with a message on a POST).
- Not the assignee or their delegate, or barred by separation of duties:
  403, and a refused POST is recorded in the audit trail.
- A form posted again with its token (double click, back-and-resubmit) is
  answered as the first time, applied once; after a refusal the corrected
  form gets a new token.
- Submitting goes through the one submit service (reviews.submissions)."""
from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect

from cycles.models import CycleReport
from cycles.registry import registry

from . import human_tasks, separation_of_duties, submissions
from .access import can_view


def visible_cycle_report(request, cycle_id: int, report_id: int) -> CycleReport:
    """The report, or the same 404 for one that does not exist and one the
    user may not see: a stranger learns nothing and writes nothing."""
    cr = get_object_or_404(
        CycleReport.objects.select_related("cycle", "report", "tester", "report_owner"),
        cycle_id=cycle_id,
        report_id=report_id,
    )
    if not can_view(request.user, cr):
        raise Http404("No such report")
    return cr


def report_page(cr: CycleReport):
    return redirect("reviews:report_status", cr.cycle_id, cr.report_id)


class StepVisit:
    """One request to a step's page."""

    def __init__(self, request, cycle_id: int, report_id: int, kind: str, what: str):
        self.request = request
        self.step = registry.step(kind)
        self.what = what  # "review", "decision": how messages name the submission
        self.cr = visible_cycle_report(request, cycle_id, report_id)
        self.task = None
        self.on_behalf_of = None

    @property
    def delegation(self):
        """The delegation under which the user acts for the holder, if they
        do ("Acting for owner2 (delegation until 12 Dec)")."""
        if self.on_behalf_of is None or self.on_behalf_of.pk == self.request.user.pk:
            return None
        return (
            human_tasks.active_delegations()
            .filter(delegator=self.on_behalf_of, delegate=self.request.user)
            .order_by("-ends_at")
            .first()
        )

    @property
    def token(self) -> str | None:
        return self.request.POST.get("submission_token")

    # --- a form posted again ----------------------------------------------

    def is_repeat(self) -> bool:
        return self.request.method == "POST" and submissions.has_previous(self.request.user, self.token)

    def replay(self, form):
        """The first answer again, applied once; None if that answer was a
        refusal that could pass by now (the form is then submitted again).
        A changed form under the same token is refused rather than reported
        as accepted."""
        payload = form.payload() if form.is_valid() else dict(self.request.POST)
        answer = submissions.previous_answer(self.request.user, self.token, self.cr, self.step.kind, payload)
        if answer is None:
            return None
        if answer.ok:
            return self.accepted(answer)
        if answer.body.get("code") == submissions.KEY_REUSED:
            messages.error(
                self.request,
                f"This form was already submitted and has not been applied again. Open the {self.what} again to make a new one.",
            )
        else:
            messages.error(self.request, f"Your {self.what} was refused: {answer.body.get('detail')}")
        return report_page(self.cr)

    # --- who may act ---------------------------------------------------------

    def authorize(self):
        """None when the user may act; otherwise the answer to give (a
        redirect when nothing is awaited). Raises PermissionDenied (403)."""
        kind = self.step.kind
        self.task = human_tasks.active_task(self.cr, kind)
        if self.task is None:
            if self.request.method == "POST":
                messages.error(self.request, f"This report is not awaiting a {self.step.label.lower()}.")
            return report_page(self.cr)
        self.on_behalf_of = human_tasks.acting_for(self.request.user, self.task)
        if self.on_behalf_of is None:
            self._refuse_post(
                f"this task is assigned to {self.task.assignee.get_username()}; "
                f"{self.request.user.get_username()} is not the assignee or their delegate"
            )
            raise PermissionDenied(self._why_not_yours())
        try:
            separation_of_duties.check(self.cr, kind, self.request.user, self.on_behalf_of)
        except separation_of_duties.SeparationOfDuties as refusal:
            self._refuse_post(str(refusal))
            raise PermissionDenied(str(refusal)) from None
        return None

    def _why_not_yours(self) -> str:
        """Said to someone who is not the holder: if the task was taken from
        them, when, to whom, by whom and why."""
        from cycles.templatetags.plain_words import format_person, format_when

        from .models import Reassignment

        lost = (
            Reassignment.objects.filter(task__cycle_report=self.cr, task__kind=self.step.kind, from_user=self.request.user)
            .select_related("to_user", "reassigned_by")
            .order_by("-reassigned_at", "-id")
            .first()
        )
        holder = format_person(self.task.assignee)
        if lost is not None:
            return (
                f"This {self.step.label.lower()} was reassigned from you to {format_person(lost.to_user)} "
                f"by {format_person(lost.reassigned_by)} on {format_when(lost.reassigned_at)} ({lost.reason}). "
                f"It is now {holder}'s to do."
            )
        return f"This {self.step.label.lower()} is assigned to {holder}; only they or their delegate can act on it."

    def _refuse_post(self, reason: str) -> None:
        # A refused submission is audited; merely opening the page is not.
        if self.request.method == "POST":
            posted = {k: v for k, v in self.request.POST.items() if k != "csrfmiddlewaretoken"}
            submissions.refuse_attempt(self.cr, self.step.kind, self.request.user, 403, reason, posted)

    # --- submitting ------------------------------------------------------------

    def submit(self, form):
        """Hand the valid form to the submit service: the answer to give, or
        None with the refusal added to the form (which gets a new token)."""
        answer = submissions.submit(
            self.cr, self.step.kind, self.request.user, form.payload(), form.cleaned_data["submission_token"]
        )
        if answer.ok:
            return self.accepted(answer)
        form.add_error(None, answer.body.get("detail"))
        data = form.data.copy()
        data["submission_token"] = uuid.uuid4().hex
        form.data = data
        return None

    def accepted(self, answer: submissions.Answer):
        if answer.status == 202:
            messages.warning(
                self.request, f"Your {self.what} is saved and will be applied as soon as the workflow service is back."
            )
        else:
            messages.success(self.request, f"Your {self.what} was accepted (version {answer.body.get('version')}).")
        return report_page(self.cr)
