"""The phases a report goes through, in order.

With the demo-data command, this is the one place that names the phases:
the workflow runs them in this order, and everything else reaches a phase
through the registry (cycles/registry.py). A new phase is a new app with a
Django-free `workflow_steps` module, plus one entry here, behind a
`workflow.patched` guard in the workflow (docs/workflow-changes.md).

Django-free: the workflow imports this module."""
from __future__ import annotations

from cycles import workflow_types as t
from evidence import workflow_steps as evidence
from sampling import workflow_steps as sampling
from scoping import workflow_legacy as scoping_before_phases
from scoping import workflow_steps as scoping

PHASES = (scoping.SCOPING, sampling.SAMPLE_SELECTION_PHASE, evidence.EVIDENCE_PHASE)

# Phases added after runs were already in flight, each behind its
# workflow.patched id: a run replaying a history that ended before the phase
# existed stops where it stopped; any run reaching it on new code takes it.
PHASE_PATCHES = {evidence.PHASE: t.PATCH_EVIDENCE_PHASE}

# Runs started before the phase mechanism ran Scoping only, on the old
# path of these adapters; they replay on it for as long as any is open.
BEFORE_PHASES = {scoping.PHASE: scoping_before_phases}
