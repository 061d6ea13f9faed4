"""The registry of phases and their human steps, the way apps register with
the Django admin: each phase app declares its phase and steps once, in its
`steps.py`, which `autodiscover()` imports at start-up. The human side
(reviews/: tasks, inbox, reminders, delegation, reassignment, audit, the
submit service and the API) dispatches on what is registered here and never
names a step; the worker takes its activities from here and the URLconf
includes the pages and endpoints phases register.

The workflow's side of each step (its Update, message and rules) is the
step's `spec`, a cycles.human_steps.StepSpec shared with the workflow."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Optional

from django.utils.module_loading import autodiscover_modules

from .human_steps import StepSpec


def _nobody(cycle_report) -> set[int]:
    return set()


def _no_rules(cycle_report, context: dict) -> dict:
    return {}


@dataclass(frozen=True)
class HumanStep:
    """A human step as people meet it: who acts, where, what they submit."""

    spec: StepSpec
    phase: str
    label: str  # "Tester review": task lists, e-mails, the timeline
    role: str  # cycles.roles: who may hold the task (and stand in for its holder)
    assignee: Callable[[Any], Any]  # the cycle report's default assignee (a user)
    page: str  # URL name of the step's page, reversed with (cycle_id, report_id)
    action: str  # the button that opens the page: "Review", "Approve"
    api_path: str  # under /api/cycles/{c}/reports/{r}/
    serializer: type  # validates an API submission; `.payload()` gives what is stored
    # Ids of the people who may not act on it now (separation of duties),
    # and what they submitted that this step approves ("review", "sample").
    barred: Callable[[Any], set[int]] = _nobody
    approves: str = ""
    # TaskTerms.rules handed to the workflow's validator when the task opens.
    rules: Callable[[Any, dict], dict] = _no_rules
    # Checks of an API submission against the database before it is sent
    # (field errors), beyond what the serializer can see on its own.
    check: Optional[Callable[[Any, Any], dict]] = None
    # The version a submission (by its message id) was applied as, if it was:
    # a lost answer is then recovered from the database.
    applied_version: Callable[[str], Optional[int]] = lambda message_id: None
    # Fields of the apply activity's result that the API answer carries
    # besides "accepted", "version" and "submission_id".
    answer_fields: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        return self.spec.kind


@dataclass
class Phase:
    name: str
    order: int
    steps: list[HumanStep] = field(default_factory=list)
    activities: list = field(default_factory=list)  # the phase's activity functions
    urls: Optional[str] = None  # dotted path of a module with `urlpatterns` (pages)
    api_urls: Optional[str] = None  # ... and of its API, under /api/
    # The phase's part of the report page: (template name, context) or None.
    report_section: Optional[Callable[[Any, Any], Optional[tuple[str, dict]]]] = None
    # Called by the generic phase activities, inside their transaction.
    on_start: Optional[Callable[[Any], None]] = None
    on_complete: Optional[Callable[[Any], None]] = None
    # One line for the test manager's "phase completed" notice.
    completion_note: Optional[Callable[[Any], str]] = None
    # Pages about a whole cycle for test managers: (label, URL name reversed
    # with the cycle's id), linked from the cycle's page.
    cycle_links: tuple[tuple[str, str], ...] = ()


class UnknownStep(LookupError):
    pass


class Registry:
    def __init__(self) -> None:
        self._phases: dict[str, Phase] = {}
        self._steps: dict[str, HumanStep] = {}
        self._activities: list = []

    def register(self, phase: Phase) -> Phase:
        if phase.name in self._phases:
            raise ValueError(f"phase {phase.name!r} is registered twice")
        for step in phase.steps:
            if step.kind in self._steps:
                raise ValueError(f"human step {step.kind!r} is registered twice")
            self._steps[step.kind] = step
        self._phases[phase.name] = phase
        return phase

    def register_activities(self, activities: Iterable) -> None:
        """Activities that belong to no phase (the human side's)."""
        self._activities.extend(activities)

    def phases(self) -> list[Phase]:
        return sorted(self._phases.values(), key=lambda p: p.order)

    def phase(self, name: str) -> Phase:
        return self._phases[name]

    def steps(self) -> list[HumanStep]:
        return [step for phase in self.phases() for step in phase.steps]

    def step(self, kind: str) -> HumanStep:
        try:
            return self._steps[kind]
        except KeyError:
            raise UnknownStep(f"no human step {kind!r} is registered") from None

    def kinds(self) -> list[str]:
        return [step.kind for step in self.steps()]

    def cycle_links(self) -> list[tuple[str, str]]:
        return [link for phase in self.phases() for link in phase.cycle_links]

    def activities(self) -> list:
        return [*self._activities, *(a for phase in self.phases() for a in phase.activities)]


registry = Registry()


def autodiscover() -> None:
    """Import every installed app's `steps` module, which registers its phase."""
    autodiscover_modules("steps")
