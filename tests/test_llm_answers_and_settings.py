"""The pieces of scoping/llm/ that need no server: answer validation, the
prompt's version, Retry-After, redaction, and the start-up check of the
LLM_* settings."""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from scoping.llm import answers, prompt
from scoping.llm.client import retry_after
from scoping.llm.redaction import redact

ASKED = [11, 12, 13]


def entry(i, include=True, score=60, rationale="CDE with issues"):
    return {"attribute_id": i, "include": include, "risk_score": score, "rationale": rationale}


def answer(*entries) -> str:
    return json.dumps({"recommendations": list(entries)})


def test_a_complete_answer_is_valid_and_extra_fields_are_allowed():
    checked = answers.check(answer(*[{**entry(i), "factors": ["cde"]} for i in ASKED]), "stop", ASKED, set())
    assert checked.outcome == "valid" and set(checked.valid) == set(ASKED) and not checked.problems
    assert checked.valid[11].rationale == "CDE with issues" and checked.valid[11].risk_score == 60


@pytest.mark.parametrize("bad, problem", [
    ({"risk_score": 101}, "risk_score is not a whole number from 0 to 100"),
    ({"risk_score": -1}, "risk_score is not a whole number from 0 to 100"),
    ({"risk_score": 55.5}, "risk_score is not a whole number from 0 to 100"),
    ({"risk_score": True}, "risk_score is not a whole number from 0 to 100"),
    ({"risk_score": "80"}, "risk_score is not a whole number from 0 to 100"),
    ({"include": "yes"}, "include is not true or false"),
    ({"include": 1}, "include is not true or false"),
    ({"rationale": "  "}, "the rationale is missing"),
    ({"rationale": None}, "the rationale is missing"),
])
def test_an_invalid_entry_is_a_problem_for_that_attribute_only(bad, problem):
    checked = answers.check(answer({**entry(11), **bad}, entry(12), entry(13)), "stop", ASKED, set())
    assert checked.outcome == "partial" and checked.problems == {11: problem} and set(checked.valid) == {12, 13}


def test_missing_invented_and_duplicated_ids():
    checked = answers.check(answer(entry(11), entry(11, include=False), entry(99), entry(True)), "stop", ASKED, set())
    assert checked.problems == {11: "answered more than once", 12: "missing from the answer", 13: "missing from the answer"}
    assert checked.outcome == "invalid" and not checked.valid
    assert "invented attribute_id 99" in checked.notes and "an entry without a whole-number attribute_id" in checked.notes
    extra = answers.check(answer(*[entry(i) for i in ASKED], entry(7)), "stop", ASKED, set())
    assert extra.outcome == "partial" and set(extra.valid) == set(ASKED)  # ids not exactly the batch's


def test_a_primary_key_must_stay_in_scope():
    checked = answers.check(answer(entry(11, include=False), entry(12), entry(13)), "stop", ASKED, {11})
    assert checked.problems == {11: "a primary key was excluded (primary keys are always in scope)"}


@pytest.mark.parametrize("content", [
    "Sure! Here you go.", "", None, "[1, 2]", '{"recs": []}', '{"recommendations": {"11": true}}',
])
def test_anything_but_the_object_asked_for_is_malformed(content):
    checked = answers.check(content, "stop", ASKED, set())
    assert checked.outcome == "malformed" and set(checked.problems) == set(ASKED) and not checked.valid


def test_json_in_a_fence_or_in_prose_is_read():
    fenced = "```json\n" + answer(*[entry(i) for i in ASKED]) + "\n```"
    prose = "Here is the JSON:\n" + answer(*[entry(i) for i in ASKED]) + "\nHope this helps."
    assert answers.check(fenced, "stop", ASKED, set()).outcome == "valid"
    assert answers.check(prose, "stop", ASKED, set()).outcome == "valid"


def test_a_truncated_answer_is_partial_and_keeps_complete_entries():
    full = answer(*[entry(i) for i in ASKED])
    cut = full[: full.index('{"attribute_id": 13') + 20]
    checked = answers.check(cut, "length", ASKED, set())
    assert checked.outcome == "truncated" and set(checked.valid) == {11, 12}
    assert checked.problems == {13: "cut off at the token limit"}
    whole = answers.check(full, "length", ASKED, set())  # finish_reason "length" is never "valid"
    assert whole.outcome == "truncated" and set(whole.valid) == set(ASKED)
    assert answers.check('{"recommendations": [{"attribute_id": 1', "length", ASKED, set()).valid == {}


def test_long_rationales_are_kept_short():
    checked = answers.check(answer(entry(11, rationale="x " * 5000), entry(12), entry(13)), "stop", ASKED, set())
    assert len(checked.valid[11].rationale) == answers.MAX_RATIONALE


def test_the_prompt_is_versioned_by_the_hash_of_its_templates_and_schema():
    parts = [prompt.PROMPT_ID, prompt.SYSTEM_TEMPLATE, prompt.USER_TEMPLATE, prompt._canonical(prompt.ANSWER_SCHEMA)]
    assert prompt.PROMPT_SHA256 == hashlib.sha256("\x00".join(parts).encode()).hexdigest()
    assert prompt.PROMPT_VERSION == f"scoping-risk-v1@{prompt.PROMPT_SHA256[:12]}"
    body = {"model": "m", "messages": prompt.messages(prompt_report(), [{"attribute_id": 1}])}
    assert prompt.request_sha256(body) == prompt.request_sha256(json.loads(json.dumps(body)))
    assert prompt.request_sha256(body) != prompt.request_sha256({**body, "model": "n"})


def prompt_report():
    return {"report_name": "FR Y-14Q", "regulation": "FR Y-14Q", "report_description": "-"}


def test_retry_after_in_seconds_dates_and_milliseconds():
    assert retry_after({"retry-after": "7"}) == 7.0
    assert retry_after({"retry-after-ms": "1500"}) == 1.5
    soon = datetime.now(timezone.utc) + timedelta(seconds=30)
    assert 25 <= retry_after({"retry-after": format_datetime(soon, usegmt=True)}) <= 31
    assert retry_after({}) is None and retry_after({"retry-after": "soon"}) is None
    assert retry_after({"retry-after": "-5"}) == 0.0


def test_redaction():
    assert redact("Bearer sk-abcdef", "sk-abcdef") == "Bearer [redacted]"
    assert redact("x" * 50, "", limit=10).startswith("x" * 10 + "…")


# --- the start-up check ------------------------------------------------------------


def test_rules_need_nothing(settings):
    settings.LLM_PROVIDER = "rules"
    settings.LLM_BASE_URL = settings.LLM_MODEL = settings.LLM_API_KEY = ""
    call_command("check")


@pytest.mark.parametrize("name, value, message", [
    ("LLM_PROVIDER", "azure", "LLM_PROVIDER must be one of rules, openai, not 'azure'"),
    ("LLM_OUTPUT_MODE", "xml", "LLM_OUTPUT_MODE must be one of json_schema, json_object, prompt"),
    ("LLM_TIMEOUT", "abc", "LLM_TIMEOUT must be a number of seconds above 0 and at most 270"),
    ("LLM_TIMEOUT", 0, "LLM_TIMEOUT must be a number of seconds above 0"),
    ("LLM_TIMEOUT", 600, "LLM_TIMEOUT must be a number of seconds above 0 and at most 270"),
    ("LLM_MAX_ATTEMPTS", 10, "LLM_MAX_ATTEMPTS must be a whole number from 1 to 9"),
    ("LLM_MAX_ATTEMPTS", 0, "LLM_MAX_ATTEMPTS must be a whole number from 1 to 9"),
    ("LLM_BATCH_SIZE", 0, "LLM_BATCH_SIZE must be a whole number from 1 to 200"),
    ("LLM_BATCH_SIZE", "many", "LLM_BATCH_SIZE must be a whole number from 1 to 200, not 'many'"),
    ("LLM_MAX_CONCURRENCY", 100, "LLM_MAX_CONCURRENCY must be a whole number from 1 to 32"),
    ("LLM_BASE_URL", "", "LLM_BASE_URL is required with LLM_PROVIDER=openai"),
    ("LLM_BASE_URL", "ftp://models/v1", "LLM_BASE_URL must be an http:// or https:// URL with a host"),
    ("LLM_BASE_URL", "http://user:sk-pass@models/v1", "LLM_BASE_URL must not carry credentials"),
    ("LLM_MODEL", " ", "LLM_MODEL is required with LLM_PROVIDER=openai"),
])
def test_a_bad_setting_stops_start_up_with_a_clear_message(settings, name, value, message):
    settings.LLM_PROVIDER = "openai"
    settings.LLM_BASE_URL = "http://127.0.0.1:8080/v1"
    settings.LLM_MODEL = "m"
    settings.LLM_API_KEY = "sk-never-printed"
    setattr(settings, name, value)
    with pytest.raises(SystemCheckError) as raised:
        call_command("check")
    assert message in str(raised.value) and "scoping.E001" in str(raised.value)
    assert "sk-never-printed" not in str(raised.value) and "sk-pass" not in str(raised.value)


def test_the_worker_refuses_to_start_on_a_bad_setting_from_the_environment(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "LLM_PROVIDER": "openai", "LLM_BASE_URL": "http://127.0.0.1:1/v1",
           "LLM_MODEL": "m", "LLM_BATCH_SIZE": "lots", "DJANGO_SETTINGS_MODULE": "config.settings",
           "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"}
    done = subprocess.run(
        [sys.executable, str(django_settings.BASE_DIR / "manage.py"), "run_worker"],
        env=env, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode != 0
    assert "LLM_BATCH_SIZE must be a whole number from 1 to 200, not 'lots'" in done.stderr
