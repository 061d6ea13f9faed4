"""What the workflow sandbox shares with the worker instead of re-importing.

The SDK's sandbox re-imports a workflow's modules for every workflow it
builds (each new run, and each run rebuilt after eviction from the cache),
compiling their source again: about a third of the worker's CPU in the
issue-15 benchmark. The project's Django-free modules that the workflow
imports (its types, the phases' steps and rules) hold only dataclasses,
constants and pure functions, so they are passed through: imported once,
shared by every run. The workflow's own module stays sandboxed (the SDK
reloads it per run and checks it for non-deterministic calls), and so do
the standard library and everything outside the project."""
from __future__ import annotations

import ast
import importlib.util
import sys
import types
from pathlib import Path

from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

PROJECT = Path(__file__).resolve().parent.parent


def _in_project(module: types.ModuleType) -> bool:
    path = getattr(module, "__file__", None)
    if not path:
        return False
    path = Path(path).resolve()
    return path.is_relative_to(PROJECT) and "site-packages" not in path.parts


def _imported_names(module: types.ModuleType) -> list[str]:
    """The modules named by the import statements of a module's source (a
    `from x import y` names x, and x.y in case y is a module)."""
    tree = ast.parse(Path(module.__file__).read_text())
    package = module.__name__ if hasattr(module, "__path__") else module.__name__.rpartition(".")[0]
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = importlib.util.resolve_name("." * node.level + (node.module or ""), package) if node.level else node.module
            names.append(base)
            names += [f"{base}.{alias.name}" for alias in node.names]
    return names


def project_imports(workflow_class: type) -> set[str]:
    """The project's modules (not packages) the workflow's module imports,
    transitively, the workflow's own module excluded."""
    root = workflow_class.__module__
    seen: set[str] = set()
    pending = [root]
    while pending:
        name = pending.pop()
        module = sys.modules.get(name)
        if name in seen or module is None or not _in_project(module):
            continue
        seen.add(name)
        pending += _imported_names(module)
    # Packages stay sandboxed: passing `cycles` through would pass through
    # every module under it, the workflow's own included.
    return {name for name in seen - {root} if not hasattr(sys.modules[name], "__path__")}


def runner_for(workflow_class: type) -> SandboxedWorkflowRunner:
    return SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules(*sorted(project_imports(workflow_class)))
    )
