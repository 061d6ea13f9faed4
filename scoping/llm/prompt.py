"""The prompt, versioned: an id a person changes on purpose and the SHA-256
of everything that shapes the request (templates and schema), so that each
recommendation and each call in the ledger names the exact prompt it came
from. Change a template and the hash changes with it."""
from __future__ import annotations

import hashlib
import json

PROMPT_ID = "scoping-risk-v1"

SYSTEM_TEMPLATE = """\
You are a model-risk analyst at a bank. You help testers decide which attributes \
(fields) of a regulatory report are risky enough to test in this test cycle. \
Judge each attribute from its metadata: critical data elements, fields with \
historical data-quality issues, mandatory fields, primary keys and numeric or \
date values carry more risk. Primary keys are always included. \
Answer with one JSON object and nothing else."""

USER_TEMPLATE = """\
Report: {report_name}
Regulation: {regulation}
Report description: {report_description}

For each attribute below, decide whether it should be tested (include), give a \
risk score from 0 (no risk) to 100 (highest risk), and a one-sentence rationale \
naming the factors that decided it.

Answer with exactly this JSON object, one entry per attribute, using each \
attribute_id exactly as given, once, and no other ids:
{{"recommendations": [{{"attribute_id": <int>, "include": <true|false>, \
"risk_score": <int 0-100>, "rationale": "<text>"}}, ...]}}

Attributes ({count}), as JSON:
{attributes_json}
"""

ANSWER_SCHEMA = {
    "type": "object",
    "properties": {
        "recommendations": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "attribute_id": {"type": "integer"},
                    "include": {"type": "boolean"},
                    "risk_score": {"type": "integer", "minimum": 0, "maximum": 100},
                    "rationale": {"type": "string"},
                },
                "required": ["attribute_id", "include", "risk_score", "rationale"],
                "additionalProperties": False,
            },
        }
    },
    "required": ["recommendations"],
    "additionalProperties": False,
}
SCHEMA_NAME = "scoping_recommendations"


def _canonical(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


PROMPT_SHA256 = hashlib.sha256(
    "\x00".join([PROMPT_ID, SYSTEM_TEMPLATE, USER_TEMPLATE, _canonical(ANSWER_SCHEMA)]).encode()
).hexdigest()
# What a recommendation and a ledger row record: readable and exact.
PROMPT_VERSION = f"{PROMPT_ID}@{PROMPT_SHA256[:12]}"


def attribute_facts(attribute) -> dict:
    """The metadata the model sees for one attribute (plain data, so that
    batches can be asked from threads that never touch the ORM)."""
    return {
        "attribute_id": attribute.pk,
        "name": attribute.name,
        "description": attribute.description,
        "data_type": attribute.data_type,
        "is_primary_key": attribute.is_primary_key,
        "is_critical_data_element": attribute.is_cde,
        "has_historical_issues": attribute.has_historical_issues,
        "is_mandatory": attribute.is_mandatory,
    }


def report_facts(report) -> dict:
    return {"report_name": report.name, "regulation": report.regulation, "report_description": report.description or "-"}


def messages(report: dict, attributes: list[dict]) -> list[dict]:
    user = USER_TEMPLATE.format(
        **report,
        count=len(attributes),
        attributes_json=json.dumps(attributes, indent=1, ensure_ascii=False),
    )
    return [{"role": "system", "content": SYSTEM_TEMPLATE}, {"role": "user", "content": user}]


def response_format(mode: str) -> dict | None:
    """Structured output as each kind of server wants it (TECH-NOTES): the
    JSON-schema format (OpenAI, Azure, vLLM, Ollama), JSON mode with the
    schema alongside (llama.cpp's server answers 500 to json_schema), or
    nothing but the prompt's own instructions."""
    if mode == "json_schema":
        return {"type": "json_schema", "json_schema": {"name": SCHEMA_NAME, "schema": ANSWER_SCHEMA, "strict": True}}
    if mode == "json_object":
        return {"type": "json_object", "schema": ANSWER_SCHEMA}
    return None


def request_sha256(body: dict) -> str:
    """The hash of one request as sent (model, messages, format): the ledger
    keeps it instead of the prompt text, and the same batch asked again of
    the same model hashes the same."""
    return hashlib.sha256(_canonical(body).encode()).hexdigest()
