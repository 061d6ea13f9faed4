"""The workflow module must import nothing from Django: the sandbox replays
it without a database, and a Django import would break determinism."""
import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW_MODULES = [
    "cycles.test_cycle_workflow", "cycles.workflow_types", "cycles.human_steps", "cycles.workflow_phases", "cycles.plain_text",
    "scoping.decision_rules", "scoping.workflow_steps", "scoping.workflow_legacy",
    "sampling.workflow_steps", "sampling.selection_rules",
]


def test_importing_the_workflow_loads_no_django():
    code = (
        "import sys, importlib\n"
        f"for m in {WORKFLOW_MODULES!r}: importlib.import_module(m)\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'django', 'rest_framework', 'celery', 'psycopg'}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_no_django_import_statement_in_workflow_sources():
    for module in WORKFLOW_MODULES:
        tree = ast.parse((ROOT / (module.replace(".", "/") + ".py")).read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for name in names:
                assert not name.startswith(("django", "rest_framework", "celery")), (module, name)
                assert not name.endswith((".models", ".activities", ".services")), (module, name)


def test_frozen_released_workflows_are_self_contained():
    """A frozen release (tests/released_workflows/v*.py) must not change when
    the project does: it imports only the standard library and temporalio."""
    frozen = sorted((ROOT / "tests" / "released_workflows").glob("v*.py"))
    assert frozen
    for path in [*frozen, ROOT / "tests" / "released_workflows" / "__init__.py"]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                assert node.level == 0, (path.name, "relative import")
                names = [node.module or ""]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top == "temporalio" or top in sys.stdlib_module_names, (path.name, name)
