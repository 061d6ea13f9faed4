"""Issue 14, done when: the Evidence app is the only new place that names
its steps. Everything else reaches them through the registry (tests aside)."""
from __future__ import annotations

from pathlib import Path

from cycles.registry import registry
from evidence import workflow_steps as w

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("cycles", "reviews", "scoping", "sampling", "accounts", "config", "templates", "static", "benchmarks")


def test_only_the_evidence_app_names_its_steps():
    kinds = (w.EVIDENCE_SUBMISSION, w.EVIDENCE_REVIEW)
    named = [
        str(path.relative_to(ROOT))
        for folder in SOURCES
        for path in (ROOT / folder).rglob("*")
        if path.is_file() and path.suffix in (".py", ".html", ".js") and any(k in path.read_text(errors="ignore") for k in kinds)
    ]
    assert named == []


def test_the_steps_are_registered_in_the_evidence_phase():
    phase = registry.phase(w.PHASE)
    assert [s.kind for s in phase.steps] == [w.EVIDENCE_SUBMISSION, w.EVIDENCE_REVIEW]
    assert [p.name for p in registry.phases()][-1] == w.PHASE
