"""Under CI a skipped test fails the run, with the skip's reason; on a
laptop it stays a skip. Checked by running pytest itself on a few tests."""
import os
import subprocess
import sys

import pytest

from .process_harness import BASE_DIR

TESTS = '''
import pytest

def test_runs():
    pass

def test_skips_at_run_time():
    pytest.skip("Redis is not reachable here")

@pytest.mark.skipif(True, reason="Chromium is not installed")
def test_skipped_by_a_mark():
    pass
'''
MODULE_SKIPPED = '''
import pytest
pytest.skip("PostgreSQL only", allow_module_level=True)

def test_never_collected():
    pass
'''


def run_pytest(tmp_path, ci: str | None, source: str) -> tuple[int, str]:
    (tmp_path / "test_some.py").write_text(source)
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "DJANGO_SETTINGS_MODULE")}
    env["PYTHONPATH"] = str(BASE_DIR)
    if ci is not None:
        env["CI"] = ci
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:django", "-p", "no:cacheprovider",
         "-p", "tests.ci_no_skips", "--rootdir", str(tmp_path), "-c", os.devnull, str(tmp_path)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    return done.returncode, done.stdout + done.stderr


def test_under_ci_a_skip_fails_the_run_with_its_reason(tmp_path):
    code, out = run_pytest(tmp_path, "1", TESTS)
    assert code == 1, out
    # A skip at run time fails the test; a skip mark fails its setup (an error).
    assert out.splitlines()[-1].startswith("1 failed, 1 passed, 1 error"), out
    assert (
        "FAILED test_some.py::test_skips_at_run_time - skipped under CI, where every test must run: "
        "Skipped: Redis is not reachable here"
    ) in out
    assert (
        "ERROR test_some.py::test_skipped_by_a_mark - skipped under CI, where every test must run: "
        "Skipped: Chromium is not installed"
    ) in out


def test_under_ci_a_module_skipped_at_import_fails_the_run(tmp_path):
    code, out = run_pytest(tmp_path, "1", MODULE_SKIPPED)
    assert code != 0, out
    assert "skipped under CI, where every test must run: Skipped: PostgreSQL only" in out, out


@pytest.mark.parametrize("ci", [None, "false"])
def test_outside_ci_a_skip_stays_a_skip(tmp_path, ci):
    code, out = run_pytest(tmp_path, ci, TESTS)
    assert code == 0, out
    assert out.splitlines()[-1].startswith("1 passed, 2 skipped"), out
    code, out = run_pytest(tmp_path, ci, MODULE_SKIPPED)
    assert code == 0 or code == 5, out  # nothing ran: all skipped
    assert "1 skipped" in out.splitlines()[-1], out
