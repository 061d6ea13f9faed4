"""The workflow as released before the Evidence phase (the code that
recorded tests/histories/*-v3.json): the current class run over the phases
up to Sample Selection, with no Evidence guard. It stands for workers
deployed before the phase, for tests/test_evidence_upgrade.py; it replays
the v3 fixtures (proof that it is that code). Kept free of Django."""
from temporalio import workflow

from cycles import workflow_types as t
from cycles.test_cycle_workflow import TestCycleWorkflow
from cycles.workflow_phases import BEFORE_PHASES, PHASE_PATCHES, PHASES

BEFORE_EVIDENCE = tuple(phase for phase in PHASES if phase.name not in PHASE_PATCHES)


@workflow.defn(name=t.WORKFLOW_NAME)
class BeforeEvidenceWorkflow(TestCycleWorkflow):
    @workflow.run
    async def run(self, inp: t.TestCycleInput) -> t.TestCycleOutcome:
        # cycles/test_cycle_workflow.py's run as it was before PHASE_PATCHES.
        self._input = inp
        self._progress = {phase.name: t.NOT_STARTED for phase in BEFORE_EVIDENCE}
        before_phases = not workflow.patched(t.PATCH_PHASE_MECHANISM)
        for phase in BEFORE_EVIDENCE:
            legacy = BEFORE_PHASES.get(phase.name) if before_phases else None
            if before_phases and legacy is None:
                if not workflow.patched(t.PATCH_LEGACY_RUNS_CONTINUE):
                    break
                before_phases = False
            await self._run_phase(phase, legacy)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return t.TestCycleOutcome(cycle_report_id=inp.cycle_report_id, phases=dict(self._progress))
