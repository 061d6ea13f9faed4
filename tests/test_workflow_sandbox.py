"""The worker's sandbox shares the workflow's Django-free modules instead of
re-importing them for every run (issue 15), and still reloads and checks
the workflow's own module."""
from cycles.test_cycle_workflow import TestCycleWorkflow
from cycles.workflow_sandbox import project_imports, runner_for
from cycles.workflow_phases import PHASES

ROOT = TestCycleWorkflow.__module__


def test_the_phases_steps_and_the_core_types_are_passed_through():
    shared = project_imports(TestCycleWorkflow)
    assert {"cycles.workflow_types", "cycles.human_steps", "cycles.workflow_phases"} <= shared
    # Every phase's Django-free module, whichever apps register phases.
    assert {phase.run.__module__ for phase in PHASES} <= shared


def test_the_workflow_module_itself_stays_sandboxed():
    passthrough = runner_for(TestCycleWorkflow).restrictions.passthrough_modules
    # Neither the module nor a package above it (which would pass it through).
    assert not [name for name in passthrough if ROOT == name or ROOT.startswith(name + ".")]
    assert not {"cycles", "scoping", "sampling"} & passthrough


def test_nothing_django_is_shared():
    shared = project_imports(TestCycleWorkflow)
    assert not [name for name in shared if name.endswith((".models", ".views", ".activities", ".registry"))]
