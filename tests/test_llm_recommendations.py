"""Recommendations from a language model, against a real chat-completions
server on 127.0.0.1 (tests/llm_server.py), one scripted failure at a time;
each case asserts what the tester then sees: the review form's HTML and the
attributes API. The activity's retries are played here by calling the
service with the attempt number Temporal would pass (the workflow itself is
driven in tests/test_llm_end_to_end.py)."""
from __future__ import annotations

import html
import logging
import re

import pytest
from django.apps import apps

from cycles import workflow_types as t
from scoping import workflow_steps as s
from reviews.models import HumanTask
from scoping import services
from scoping.llm import prompt
from scoping.llm.attempt import Attempt
from scoping.llm.recommend import ModelUnavailable
from scoping.models import ModelCall, Recommendation

from . import llm_server as srv
from .llm_server import llm  # noqa: F401  (fixture)
from . import rows
from .clients import browser
from .factories import scoped_report

pytestmark = pytest.mark.django_db

MODEL = srv.SERVED_MODEL
KEY = srv.KEY


def recommend(cr, attempt: int = 1):
    return services.ensure_recommendations(cr, Attempt(number=attempt))


def seen(cr):
    """What the tester sees, by attribute id: each row of the review form
    shows the same source and fallback reason as the attributes API."""
    if not HumanTask.objects.filter(cycle_report=cr).exists():
        rows.task(cr, s.TESTER_REVIEW, cr.tester)
    client = browser(cr.tester)
    page = client.get(f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/review/")
    assert page.status_code == 200
    api = client.get(f"/api/cycles/{cr.cycle_id}/reports/{cr.report_id}/attributes")
    assert api.status_code == 200
    body = page.content.decode()
    table = {}
    for row in re.findall(r"<tr class=\"[^\"]*\" data-recommended.*?</tr>", body, re.S):
        name = re.search(r"<strong>(.*?)</strong>", row).group(1)
        source = re.search(r'data-source="([^"]*)"', row).group(1)
        fallback = re.search(r'class="rec-fallback".*?<small>(.*?)</small>', row, re.S)
        table[html.unescape(name)] = (html.unescape(source), html.unescape(fallback.group(1)) if fallback else None)
    attributes = api.json()
    assert set(table) == {a["name"] for a in attributes} == set(cr.report.attributes.values_list("name", flat=True))
    for a in attributes:
        assert (a["recommendation"]["source"], a["recommendation"]["fallback_reason"]) == table[a["name"]], a["name"]
    return {a["id"]: a["recommendation"] for a in attributes}


def batches_of(cr, size=3):
    ids = list(cr.report.attributes.order_by("line_number", "id").values_list("id", flat=True))
    return [ids[i : i + size] for i in range(0, len(ids), size)]


# --- good answers ----------------------------------------------------------------


def test_good_answers_become_the_recommendations_with_source_prompt_and_ledger(llm):
    cr = scoped_report(attributes=7)
    pks = set(cr.report.attributes.filter(is_primary_key=True).values_list("id", flat=True))
    llm.always(srv.good(include=lambda i: i % 2 == 0 or i in pks))
    summary = recommend(cr)
    assert (summary.recommended, summary.from_model, summary.fallbacks, summary.model_calls) == (7, 7, 0, 3)

    shown = seen(cr)
    assert {(r["source"], r["fallback_reason"]) for r in shown.values()} == {(MODEL, None)}
    recs = {r.attribute_id: r for r in Recommendation.objects.filter(cycle_report=cr)}
    assert {r.include for r in recs.values()} == {True, False}
    assert all(r.include == (a % 2 == 0 or a in pks) and r.prompt_version == prompt.PROMPT_VERSION for a, r in recs.items())
    assert all(r.rationale.startswith("Model:") and r.model_call_id for r in recs.values())

    # Each batch asked once, with exactly its attributes, the key as a bearer token, the format asked for.
    assert [r.ids for r in llm.requests] == batches_of(cr)
    first = llm.requests[0]
    assert first.path == "/v1/chat/completions"
    assert first.headers["authorization"] == f"Bearer {KEY}"
    assert first.body["model"] == "acme-risk"
    assert first.body["response_format"]["type"] == "json_schema"
    assert first.body["response_format"]["json_schema"]["schema"] == prompt.ANSWER_SCHEMA
    user = first.body["messages"][-1]["content"]
    assert cr.report.name in user and cr.report.regulation in user
    attr = cr.report.attributes.get(pk=first.ids[1])
    assert attr.name in user and f'"data_type": "{attr.data_type}"' in user and '"is_critical_data_element": true' in user

    calls = list(ModelCall.objects.filter(cycle_report=cr).order_by("batch"))
    assert [(c.batch, c.ask, c.outcome, c.valid_count, c.problem_count) for c in calls] == [
        (1, 1, "valid", 3, 0), (2, 1, "valid", 3, 0), (3, 1, "valid", 1, 0),
    ]
    c = calls[0]
    assert (c.model, c.requested_model, c.prompt_version, c.http_status, c.finish_reason) == (
        MODEL, "acme-risk", prompt.PROMPT_VERSION, 200, "stop",
    )
    assert (c.prompt_tokens, c.completion_tokens, c.total_tokens) == (321, 123, 444)
    assert re.fullmatch(r"[0-9a-f]{64}", c.request_sha256) and c.latency_ms >= 0
    assert '"chat.completion"' in c.raw_answer and c.attribute_ids == batches_of(cr)[0]
    # A second run finds nothing missing and asks nothing.
    asked = llm.count()
    assert recommend(cr).created == 0 and llm.count() == asked


@pytest.mark.parametrize("mode", ["json_object", "prompt"])
def test_output_modes_shape_the_request_and_the_answer_is_validated_alike(llm, settings, mode):
    settings.LLM_OUTPUT_MODE = mode
    cr = scoped_report(attributes=3)
    # Fenced JSON, as models answering in prose write it.
    llm.always(lambda ids, body: srv.completion("```json\n" + srv.json.dumps({"recommendations": srv.model_entries(ids)}) + "\n```"))
    recommend(cr)
    assert {r["source"] for r in seen(cr).values()} == {MODEL}
    sent = llm.requests[0].body
    if mode == "json_object":
        assert sent["response_format"] == {"type": "json_object", "schema": prompt.ANSWER_SCHEMA}
    else:
        assert "response_format" not in sent
        assert '"recommendations"' in sent["messages"][-1]["content"]


def test_batches_run_with_bounded_concurrency(llm, settings):
    settings.LLM_MAX_CONCURRENCY = 2
    settings.LLM_BATCH_SIZE = 2
    cr = scoped_report(attributes=12)
    llm.always(srv.slow(0.3))
    recommend(cr)
    assert llm.count() == 6
    assert llm.max_in_flight == 2
    assert sorted(llm.asked_ids()) == sorted(cr.report.attributes.values_list("id", flat=True))
    assert Recommendation.objects.filter(cycle_report=cr, source=MODEL).count() == 12


# --- unusable answers: asked again once, then the rules, with the reason ----------


def test_malformed_json_is_asked_again_then_falls_back_to_rules_with_the_reason(llm):
    cr = scoped_report(attributes=6)
    first, second = batches_of(cr)
    llm.then(srv.malformed(), srv.malformed())
    recommend(cr)
    shown = seen(cr)
    for attribute_id in first:
        assert shown[attribute_id]["source"] == "rules"
        assert shown[attribute_id]["fallback_reason"] == (
            "the model's answer was unusable twice (the answer was not the JSON object asked for)"
        )
    assert all(shown[a]["source"] == MODEL and shown[a]["fallback_reason"] is None for a in second)
    assert [r.ids for r in llm.requests] == [first, first, second]
    assert list(ModelCall.objects.order_by("id").values_list("ask", "outcome")) == [
        (1, "malformed"), (2, "malformed"), (1, "valid"),
    ]
    # The fallback is traceable to the call whose answer was unusable.
    fallback = Recommendation.objects.get(attribute_id=first[0])
    assert fallback.model_call.ask == 2 and fallback.prompt_version == "rules-v1"


def test_a_partial_answer_asks_again_only_for_what_was_missing(llm):
    cr = scoped_report(attributes=3)
    ids = batches_of(cr)[0]
    llm.then(srv.partial(keep=1))
    recommend(cr)
    assert [r.ids for r in llm.requests] == [ids, ids[1:]]
    assert {(r["source"], r["fallback_reason"]) for r in seen(cr).values()} == {(MODEL, None)}
    assert list(ModelCall.objects.order_by("id").values_list("ask", "outcome", "valid_count", "problem_count")) == [
        (1, "partial", 1, 2), (2, "valid", 2, 0),
    ]


def test_a_truncated_answer_counts_as_partial_and_keeps_its_complete_entries(llm):
    cr = scoped_report(attributes=3)
    ids = batches_of(cr)[0]
    llm.then(srv.truncated(), srv.truncated())
    recommend(cr)
    assert [r.ids for r in llm.requests] == [ids, ids[1:]]
    shown = seen(cr)
    assert shown[ids[0]]["source"] == MODEL
    # Asked again, the answer for the two is cut off in turn after its first entry.
    assert shown[ids[1]]["source"] == MODEL
    assert (shown[ids[2]]["source"], shown[ids[2]]["fallback_reason"]) == (
        "rules", "the model's answer was unusable twice (cut off at the token limit)",
    )
    assert list(ModelCall.objects.order_by("id").values_list("outcome", "finish_reason")) == [
        ("truncated", "length"), ("truncated", "length"),
    ]


def test_invented_ids_are_ignored_and_noted(llm):
    cr = scoped_report(attributes=3)
    llm.then(srv.invented())
    recommend(cr)
    assert llm.count() == 1  # every real id was answered: nothing to ask again
    assert {(r["source"], r["fallback_reason"]) for r in seen(cr).values()} == {(MODEL, None)}
    call = ModelCall.objects.get()
    assert call.outcome == "partial" and "invented attribute_id 987654321" in call.detail
    assert not Recommendation.objects.filter(attribute_id=987654321).exists()


def test_a_duplicated_id_is_asked_again(llm):
    cr = scoped_report(attributes=3)
    ids = batches_of(cr)[0]
    llm.then(srv.duplicated(), srv.duplicated())
    recommend(cr)
    assert [r.ids for r in llm.requests] == [ids, [ids[0]]]
    rec = Recommendation.objects.get(attribute_id=ids[0])
    assert rec.source == "rules" and rec.fallback_reason == "the model's answer was unusable twice (answered more than once)"
    assert seen(cr)[ids[0]]["fallback_reason"] == rec.fallback_reason
    assert Recommendation.objects.filter(cycle_report=cr, source=MODEL).count() == 2


def test_out_of_range_scores_and_non_boolean_include_fall_back(llm):
    cr = scoped_report(attributes=3)
    ids = batches_of(cr)[0]
    llm.then(srv.out_of_range(), srv.out_of_range())
    recommend(cr)
    first, second = Recommendation.objects.get(attribute_id=ids[0]), Recommendation.objects.get(attribute_id=ids[1])
    assert "risk_score is not a whole number from 0 to 100" in first.fallback_reason
    assert "include is not true or false" in second.fallback_reason
    assert Recommendation.objects.get(attribute_id=ids[2]).source == MODEL
    assert seen(cr)[ids[0]]["source"] == "rules"


def test_a_body_that_is_no_chat_completion_is_an_unusable_answer(llm):
    cr = scoped_report(attributes=2)
    llm.then(srv.not_json_body(), srv.not_json_body())
    recommend(cr)
    assert {r["source"] for r in seen(cr).values()} == {"rules"}
    assert list(ModelCall.objects.values_list("outcome", "http_status")) == [("malformed", 200)] * 2


# --- the endpoint failing -----------------------------------------------------------


def test_429_with_retry_after_is_retried_later_and_resumes_after_the_stored_batch(llm):
    cr = scoped_report(attributes=6)
    first, second = batches_of(cr)
    llm.then(srv.good(), srv.status(429, retry_after="7"))
    with pytest.raises(ModelUnavailable) as raised:
        recommend(cr, attempt=1)
    assert raised.value.retry_after == 7.0 and str(raised.value) == "HTTP 429 from the model endpoint"
    assert set(Recommendation.objects.values_list("attribute_id", flat=True)) == set(first)  # stored progress
    recommend(cr, attempt=2)  # Temporal's next attempt
    assert [r.ids for r in llm.requests] == [first, second, second]
    assert {(r["source"], r["fallback_reason"]) for r in seen(cr).values()} == {(MODEL, None)}
    assert list(ModelCall.objects.order_by("id").values_list("attempt", "outcome", "http_status")) == [
        (1, "valid", 200), (1, "unavailable", 429), (2, "valid", 200),
    ]


def test_5xx_past_the_last_attempt_falls_the_whole_report_back_to_rules(llm):
    cr = scoped_report(attributes=4)
    llm.always(srv.status(500))
    with pytest.raises(ModelUnavailable) as raised:
        recommend(cr, attempt=1)
    assert raised.value.retry_after is None  # Temporal's own back-off
    recommend(cr, attempt=2)  # LLM_MAX_ATTEMPTS
    reason = "the model endpoint was unavailable after 2 attempt(s): HTTP 500 from the model endpoint"
    assert {(r["source"], r["fallback_reason"]) for r in seen(cr).values()} == {("rules", reason)}
    assert llm.count() == 2  # one batch stopped each attempt; no more were started


def test_an_attempt_beyond_the_last_asks_no_model(llm):
    cr = scoped_report(attributes=2)
    recommend(cr, attempt=3)
    assert llm.count() == 0
    assert {r["source"] for r in seen(cr).values()} == {"rules"}
    assert "did not answer in 2 attempt(s)" in Recommendation.objects.first().fallback_reason


def test_slow_answers_time_out_and_count_as_unavailable(llm, settings):
    settings.LLM_TIMEOUT = 0.5
    cr = scoped_report(attributes=2)
    llm.always(srv.slow(2))
    with pytest.raises(ModelUnavailable, match=r"no answer within LLM_TIMEOUT \(0.5 s\)"):
        recommend(cr, attempt=1)
    recommend(cr, attempt=2)
    shown = seen(cr)
    assert {r["fallback_reason"] for r in shown.values()} == {
        "the model endpoint was unavailable after 2 attempt(s): no answer within LLM_TIMEOUT (0.5 s)"
    }
    call = ModelCall.objects.first()
    assert call.outcome == "unavailable" and call.http_status is None and call.latency_ms >= 400


@pytest.mark.parametrize("code", [401, 403, 404])
def test_a_refusing_endpoint_is_not_retried_and_the_report_falls_back_at_once(llm, code):
    cr = scoped_report(attributes=6)
    llm.always(srv.status(code, echo_key=True))
    recommend(cr, attempt=1)  # no exception: nothing for Temporal to retry
    assert llm.count() == 1
    reasons = {r["fallback_reason"] for r in seen(cr).values()}
    assert len(reasons) == 1 and f"HTTP {code} from the model endpoint" in reasons.pop()
    call = ModelCall.objects.get()
    assert call.outcome == "refused" and call.http_status == code
    assert KEY not in call.raw_answer and "Bearer [redacted]" in call.raw_answer


@pytest.mark.parametrize("code", [400, 422])
def test_a_refused_request_falls_back_for_its_batch_only(llm, code):
    cr = scoped_report(attributes=6)
    first, second = batches_of(cr)
    llm.then(srv.status(code))
    recommend(cr, attempt=1)
    assert [r.ids for r in llm.requests] == [first, second]
    for attribute_id in first:
        rec = Recommendation.objects.get(attribute_id=attribute_id)
        assert rec.source == "rules" and f"HTTP {code}" in rec.fallback_reason and "not retried" in rec.fallback_reason
    assert Recommendation.objects.filter(attribute_id__in=second, source=MODEL).count() == 3
    seen(cr)


def test_a_primary_key_the_model_excludes_is_asked_again_then_ruled(llm):
    cr = scoped_report(attributes=3)
    pk = cr.report.attributes.get(is_primary_key=True).pk
    llm.always(srv.good(include=lambda i: i != pk))
    recommend(cr)
    rec = Recommendation.objects.get(attribute_id=pk)
    assert rec.include and rec.source == "rules" and "primary key was excluded" in rec.fallback_reason


# --- the key stays secret -------------------------------------------------------------


def test_the_api_key_is_in_no_log_no_row_and_no_error(llm, caplog):
    caplog.set_level(logging.DEBUG)
    cr = scoped_report(attributes=6)
    llm.then(srv.status(429, retry_after="1"))
    with pytest.raises(ModelUnavailable) as raised:
        recommend(cr, attempt=1)
    assert KEY not in str(raised.value) and raised.value.__cause__ is None
    llm.then(srv.good(), srv.status(401, echo_key=True))
    recommend(cr, attempt=2)
    assert ModelCall.objects.filter(outcome="refused").exists()
    assert llm.requests[0].headers["authorization"] == f"Bearer {KEY}"  # it was sent, to the endpoint only
    assert KEY not in caplog.text
    assert not _rows_containing(KEY)
    seen(cr)


def _rows_containing(secret: str) -> list:
    """Every text value of every row of every table that contains `secret`."""
    found = []
    for model in apps.get_models():
        for row in model.objects.values_list(*[f.attname for f in model._meta.concrete_fields]):
            if any(secret in str(value) for value in row):
                found.append((model.__name__, row))
    return found
