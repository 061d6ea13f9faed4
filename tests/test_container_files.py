"""The Dockerfile and compose.yaml: what no Docker engine here can build is
checked by reading the files and by the linters (hadolint, dclint)."""
import fnmatch
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from .container_harness import ENTRYPOINT, REPO
from .temporal_harness import env_flag

DOCKERFILE = (REPO / "Dockerfile").read_text()
COMPOSE = yaml.safe_load((REPO / "compose.yaml").read_text())
SUBCOMMANDS = set(re.findall(r"^\s+([a-z-]+)\)", ENTRYPOINT.read_text(), re.M))
APP_SERVICES = {"migrate", "web", "temporal-worker", "celery-worker", "celery-beat"}


def instructions(name: str) -> list[str]:
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    return [line.split(None, 1)[1] for line in joined.splitlines() if line.startswith(name + " ")]


def test_one_slim_stage_running_as_non_root():
    assert instructions("FROM") == ["python:3.11-slim"]
    (user,) = instructions("USER")
    assert user.split(":")[0] not in ("root", "0")
    assert instructions("ENTRYPOINT") == ['["/app/docker/entrypoint.sh"]']
    assert instructions("CMD") == ['["web"]']
    assert instructions("WORKDIR") == ["/app"]  # BASE_DIR: templates/ and static/ beside the code


def test_no_secrets_and_no_dev_dependencies_in_the_image():
    for line in instructions("ENV") + instructions("ARG"):
        assert not re.search(r"SECRET|PASSWORD|TOKEN|API_KEY", line), line
    assert "[dev]" not in DOCKERFILE and "pip install -e" not in DOCKERFILE
    requirements = subprocess.run(
        [sys.executable, str(REPO / "docker" / "requirements.py"), str(REPO / "pyproject.toml")],
        capture_output=True, text=True, check=True,
    ).stdout.split()
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert requirements == project["dependencies"]
    assert any(r.startswith("gunicorn") for r in requirements)
    dev = {re.split(r"[<>=\[]", d)[0] for d in project["optional-dependencies"]["dev"]}
    assert not dev & {re.split(r"[<>=\[]", r)[0] for r in requirements}


def test_copied_paths_exist():
    for line in instructions("COPY"):
        *sources, _ = [p for p in line.split() if not p.startswith("--")]
        for source in sources:
            assert (REPO / source).exists(), source
    assert os.access(ENTRYPOINT, os.X_OK)


def test_every_package_of_the_project_is_copied():
    """A new app left out of the image would fail only when the image
    starts: the project is copied whole, and nothing it runs is ignored."""
    assert any(line.split() == [".", "./"] for line in instructions("COPY")), "the project is copied whole"
    ignored = [line.strip() for line in (REPO / ".dockerignore").read_text().splitlines() if line.strip() and not line.startswith("#")]
    apps = [p.parent.name for p in REPO.glob("*/__init__.py") if p.parent.name != "tests"]
    assert {"config", "cycles", "reviews", "scoping", "sampling", "accounts"} <= set(apps)
    needed = [*apps, "templates", "static", "manage.py", "docker", "pyproject.toml"]
    assert not [name for name in needed if any(fnmatch.fnmatch(name, pattern) for pattern in ignored)], ignored


def test_compose_runs_every_process_with_healthchecks():
    services = COMPOSE["services"]
    assert {"postgres", "redis", "temporal"} | APP_SERVICES <= set(services)
    for name in APP_SERVICES:
        (command,) = services[name]["command"]
        assert command in SUBCOMMANDS, f"{name}: {command} is not an entrypoint command"
    checks = {name: services[name]["healthcheck"]["test"] for name in ("web", "temporal-worker", "celery-worker")}
    assert checks["web"][-1] == "healthcheck-web"
    assert checks["temporal-worker"][-1] == "healthcheck-temporal-worker"
    assert checks["celery-worker"][-1] == "healthcheck-celery"
    assert {c[-1] for c in checks.values()} <= SUBCOMMANDS
    assert services["web"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_compose_temporal_has_ui_and_search_attributes():
    temporal = COMPOSE["services"]["temporal"]
    args = temporal["command"]
    for attribute in ("AwaitingAction=Keyword", "AwaitingAssignee=Keyword", "AwaitingSince=Datetime"):
        assert f"--search-attribute={attribute}" in args
    assert any(p.endswith(":8233") for p in temporal["ports"])  # the Web UI


def test_compose_takes_secrets_from_the_environment():
    env = COMPOSE["services"]["web"]["environment"]
    assert env["SECRET_KEY"].startswith("${SECRET_KEY:?")
    assert "${POSTGRES_PASSWORD:?" in env["DATABASE_URL"]
    assert env["DJANGO_SETTINGS_MODULE"] == "config.settings_production"


def _tool(name: str, *candidates: Path) -> str:
    for c in candidates:
        if c.exists():
            return str(c)
    found = shutil.which(name)
    if found:
        return found
    message = f"{name} is not installed (see .ci/run)"
    if env_flag("CI"):
        pytest.fail(message)
    pytest.skip(message)


def test_hadolint_passes():
    hadolint = _tool("hadolint", Path(sys.prefix) / "bin" / "hadolint")
    done = subprocess.run([hadolint, "Dockerfile"], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_dclint_passes():
    # Services are in start-up order (infrastructure, then the app), not alphabetical.
    dclint = _tool("dclint", REPO / ".local" / "tools" / "node_modules" / ".bin" / "dclint")
    done = subprocess.run(
        [dclint, "compose.yaml", "--max-warnings", "0", "--disable-rule", "services-alphabetical-order"],
        cwd=REPO, capture_output=True, text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
