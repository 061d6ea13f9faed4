"""Frozen copies of TestCycleWorkflow as released, one module per version
(`v2.py`, `v3.py`, ...), for tests/test_workflow_upgrade.py: a run started by
a released version is finished by the current code.

Freezing a release (do it when the workflow is released with a change, the
same day its fixtures are recorded with RECORD_WORKFLOW_HISTORIES=v<N>):

1. Copy the workflow as it is released into a new `v<N>.py` here: the body
   of cycles/test_cycle_workflow.py, the constants and dataclasses it uses
   from cycles/workflow_types.py and the rule functions it calls (today
   scoping/decision_rules.problems), pasted in, with `t.` prefixes removed
   and `VERSION = "v<N>"`. It imports only the standard library and
   temporalio: nothing from the project, so a later change there cannot
   change the frozen copy (tests/test_workflow_purity.py checks this).
   `@workflow.defn(name="TestCycleWorkflow")` and the activity names stay
   as released.
2. Never edit an existing `v*.py`: it stands for workers already deployed.
   Delete one only when no run it started can still be open (the same rule
   as for its fixtures, docs/workflow-changes.md).
3. Run `pytest tests/test_workflow_upgrade.py`: every `v*.py` here is picked
   up, replays its own version's fixtures, and hands a run over to the
   current code at each human step.

Kept free of Django and of any import at package level: the workflow
sandbox imports this package when it loads a frozen version."""
