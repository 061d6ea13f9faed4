"""Validating a model's answer for one batch, whatever the endpoint claims
to enforce: the ids are exactly the batch's (none invented, none twice),
`include` is a boolean, `risk_score` a whole number 0-100, the rationale
present; an answer cut off at the token limit (`finish_reason` "length")
counts as partial, and its complete entries are kept."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from ..recommenders import Suggestion

MAX_RATIONALE = 2000


class Outcome:
    VALID = "valid"  # every attribute of the batch answered validly, nothing else
    PARTIAL = "partial"  # some entries usable, some missing, invalid or invented
    INVALID = "invalid"  # JSON as asked, but no usable entry
    TRUNCATED = "truncated"  # cut off at the token limit (finish_reason "length")
    MALFORMED = "malformed"  # not the JSON object asked for


@dataclass
class Checked:
    outcome: str
    valid: dict[int, Suggestion] = field(default_factory=dict)
    problems: dict[int, str] = field(default_factory=dict)  # asked id -> why unusable
    notes: list[str] = field(default_factory=list)  # about the answer as a whole

    def describe(self) -> str:
        parts = [f"{len(self.valid)} valid, {len(self.problems)} unusable"]
        parts += self.notes
        reasons: dict[str, list[int]] = {}
        for attribute_id, reason in self.problems.items():
            reasons.setdefault(reason, []).append(attribute_id)
        parts += [f"{reason}: {', '.join(map(str, sorted(ids)[:20]))}" for reason, ids in reasons.items()]
        return "; ".join(parts)


def check(content: str | None, finish_reason: str | None, asked: list[int], primary_keys: set[int]) -> Checked:
    truncated = finish_reason == "length"
    items = _items(content or "", salvage=truncated)
    if items is None:
        reason = "the answer was cut off at the token limit" if truncated else "the answer was not the JSON object asked for"
        return Checked(Outcome.TRUNCATED if truncated else Outcome.MALFORMED, problems={a: reason for a in asked}, notes=[reason])
    result = Checked(Outcome.VALID)
    asked_set = set(asked)
    by_id: dict[int, list] = {}
    for item in items:
        attribute_id = item.get("attribute_id") if isinstance(item, dict) else None
        if isinstance(attribute_id, bool) or not isinstance(attribute_id, int):
            result.notes.append("an entry without a whole-number attribute_id")
        elif attribute_id not in asked_set:
            result.notes.append(f"invented attribute_id {attribute_id}")
        else:
            by_id.setdefault(attribute_id, []).append(item)
    for attribute_id in asked:
        entries = by_id.get(attribute_id)
        if not entries:
            result.problems[attribute_id] = "cut off at the token limit" if truncated else "missing from the answer"
        elif len(entries) > 1:
            result.problems[attribute_id] = "answered more than once"
        else:
            problem = _entry_problem(entries[0], attribute_id in primary_keys)
            if problem:
                result.problems[attribute_id] = problem
            else:
                result.valid[attribute_id] = _suggestion(attribute_id, entries[0])
    if truncated:
        result.outcome = Outcome.TRUNCATED
        result.notes.insert(0, "the answer was cut off at the token limit")
    elif not result.valid:
        result.outcome = Outcome.INVALID
    elif result.problems or result.notes:
        result.outcome = Outcome.PARTIAL
    return result


def _entry_problem(entry: dict, is_primary_key: bool) -> str | None:
    include, score, rationale = entry.get("include"), entry.get("risk_score"), entry.get("rationale")
    if not isinstance(include, bool):
        return "include is not true or false"
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 100:
        return "risk_score is not a whole number from 0 to 100"
    if not isinstance(rationale, str) or not rationale.strip():
        return "the rationale is missing"
    if is_primary_key and not include:
        return "a primary key was excluded (primary keys are always in scope)"
    return None


def _suggestion(attribute_id: int, entry: dict) -> Suggestion:
    rationale = " ".join(entry["rationale"].split())
    if len(rationale) > MAX_RATIONALE:
        rationale = rationale[: MAX_RATIONALE - 1] + "…"
    return Suggestion(attribute_id, entry["include"], entry["risk_score"], rationale)


def _items(content: str, salvage: bool) -> list | None:
    """The entries of the answer's "recommendations" list, or None when the
    answer is not that JSON object. With `salvage`, the complete entries of
    an answer cut off mid-way."""
    value = _json_object(content)
    if isinstance(value, dict) and isinstance(value.get("recommendations"), list):
        return value["recommendations"]
    if salvage:
        return _complete_entries(content)
    return None


def _json_object(content: str):
    text = content.strip()
    if text.startswith("```"):  # a fenced block, as models answering in prose mode write
        text = text.split("\n", 1)[1] if "\n" in text else ""
        text = text.rsplit("```", 1)[0]
    for candidate in (text, text[text.find("{") : text.rfind("}") + 1]):
        try:
            return json.loads(candidate)
        except ValueError:
            continue
    return None


def _complete_entries(content: str) -> list | None:
    start = content.find('"recommendations"')
    start = content.find("[", start) if start >= 0 else -1
    if start < 0:
        return None
    decoder = json.JSONDecoder()
    position, entries = start + 1, []
    while True:
        while position < len(content) and content[position] in " \t\r\n,":
            position += 1
        try:
            entry, position = decoder.raw_decode(content, position)
        except ValueError:
            return entries
        entries.append(entry)
