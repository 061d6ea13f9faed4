"""The cycle dashboard's reads: per report its phase and step, who holds
it and since when, due and overdue; totals per phase and per step; filters
by person and state. A constant number of queries whatever the number of
reports (the cycle, its reports with their people, their open tasks): the
workflows are not queried one by one, the database mirror the activities
keep is read instead."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone

from cycles.models import CycleReport, TestCycle
from cycles.registry import UnknownStep, registry
from reviews.models import HumanTask

NOT_STARTED = "not_started"
WAITING = "waiting"
OVERDUE = "overdue"
RUNNING = "running"  # started, no person awaited right now (automated work)
COMPLETED = "completed"
STATES = {
    NOT_STARTED: "Not started",
    WAITING: "Waiting for a person",
    OVERDUE: "Overdue",
    RUNNING: "Running (no one awaited)",
    COMPLETED: "Completed",
}


@dataclass
class Row:
    cr: CycleReport
    phase: str
    step: str
    holder: str
    since: datetime | None
    due_at: datetime | None
    state: str
    escalated: bool
    url: str = ""

    # Formatted here rather than by template filters: 500 rows render
    # noticeably faster (the page's target is 500 ms).
    @staticmethod
    def _shown(moment) -> tuple[str, str]:
        if moment is None:
            return "", ""
        local = timezone.localtime(moment)
        return local.isoformat(), local.strftime("%Y-%m-%d %H:%M")

    @property
    def since_shown(self) -> tuple[str, str]:
        return self._shown(self.since)

    @property
    def due_shown(self) -> tuple[str, str]:
        return self._shown(self.due_at)

    @property
    def state_label(self) -> str:
        return STATES[self.state]

    @property
    def people(self) -> set[str]:
        names = {self.holder}
        for user in (self.cr.tester, self.cr.report_owner, self.cr.data_provider):
            if user is not None:
                names.add(user.get_username())
        return names - {""}


def _label(kind: str) -> str:
    try:
        return registry.step(kind).label
    except UnknownStep:
        return kind.replace("_", " ").capitalize()


def rows(cycle: TestCycle) -> list[Row]:
    open_tasks = HumanTask.objects.filter(state__in=HumanTask.ACTIVE_STATES).select_related("assignee").order_by("opened_at")
    reports = (
        CycleReport.objects.filter(cycle=cycle)
        .select_related("report", "tester", "report_owner", "data_provider")
        .prefetch_related(Prefetch("tasks", queryset=open_tasks, to_attr="open_tasks"))
        .order_by("report__name")
    )
    now = timezone.now()
    # One reversal for every row's link (reversing 500 times shows in the time).
    link = reverse("reviews:report_status", args=[cycle.pk, 0])[: -len("0/")]
    out = []
    for cr in reports:
        task = cr.open_tasks[0] if cr.open_tasks else None
        if cr.completed_at:
            state, phase = COMPLETED, "Completed"
        elif not cr.workflow_run_id:
            state, phase = NOT_STARTED, "Not started"
        else:
            phase = cr.current_phase or registry.phases()[0].name
            state = WAITING if task else RUNNING
            if task and task.due_at < now:
                state = OVERDUE
        out.append(
            Row(
                cr=cr,
                phase=phase,
                step=_label(task.kind) if task else "",
                holder=task.assignee.get_username() if task else "",
                since=task.opened_at if task else None,
                due_at=task.due_at if task else None,
                state=state,
                escalated=bool(task and task.state == HumanTask.State.ESCALATED),
                url=f"{link}{cr.report_id}/",
            )
        )
    return out


def filtered(all_rows: list[Row], person: str = "", state: str = "") -> list[Row]:
    return [
        r for r in all_rows
        if (not person or person in r.people) and (not state or r.state == state)
    ]


@dataclass
class Bar:
    label: str
    count: int
    percent: float


def totals(all_rows: list[Row]) -> dict:
    """Counts per phase (in the phases' order), per step and per state, each
    with its share of the cycle for the chart."""
    total = len(all_rows) or 1
    phases = Counter(r.phase for r in all_rows)
    order = ["Not started", *(p.name for p in registry.phases()), "Completed"]
    order += sorted(set(phases) - set(order))
    steps = Counter((r.phase, r.step) for r in all_rows if r.step)
    states = Counter(r.state for r in all_rows)

    def bar(label, count):
        return Bar(label, count, round(100 * count / total, 1))

    return {
        "reports": len(all_rows),
        "phases": [bar(p, phases[p]) for p in order if phases[p]],
        "steps": [bar(f"{phase}: {step}", n) for (phase, step), n in sorted(steps.items())],
        "states": [bar(STATES[s], states[s]) for s in STATES if states[s]],
    }
