"""The rules a tester's decisions must follow, in plain Python so that the
workflow's validator and the Django forms and serializers share one copy."""
from __future__ import annotations

from typing import Iterable, Mapping, NamedTuple, Optional

from cycles.plain_text import meaningful

MAX_RATIONALE = 4000


class Rule(NamedTuple):
    """What a decision is checked against (the workflow passes its own
    AttributeRule dataclass, which has the same fields)."""

    recommended_include: bool
    is_primary_key: bool


class Choice(NamedTuple):
    """One decision as the forms and the API read it (the workflow passes its
    Decision dataclass, which has the same fields)."""

    attribute_id: int
    include: bool
    rationale: str = ""


def problems(rules: Mapping[int, Rule], decisions: Iterable) -> list[tuple[Optional[int], str]]:
    """(attribute_id or None, message) for every broken rule.

    `decisions` are objects with attribute_id, include and rationale."""
    found: list[tuple[Optional[int], str]] = []
    seen: set[int] = set()
    for d in decisions:
        rule = rules.get(d.attribute_id)
        if rule is None:
            found.append((None, f"attribute {d.attribute_id} is not an attribute of this report"))
            continue
        if d.attribute_id in seen:
            found.append((d.attribute_id, "decided more than once"))
        seen.add(d.attribute_id)
        if rule.is_primary_key and not d.include:
            found.append((d.attribute_id, "a primary-key attribute is always in scope"))
        if d.include != rule.recommended_include and not meaningful(d.rationale):
            found.append((d.attribute_id, "a rationale is required when overriding the recommendation"))
        if len(d.rationale or "") > MAX_RATIONALE:
            found.append((d.attribute_id, f"the rationale is longer than {MAX_RATIONALE} characters"))
    missing = sorted(set(rules) - seen)
    if missing:
        shown = ", ".join(str(m) for m in missing[:20]) + (" …" if len(missing) > 20 else "")
        found.append((None, f"a decision is required for every attribute; missing: {shown}"))
    return found
