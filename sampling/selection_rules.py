"""The rules a sample selection must follow before anything is drawn, in
plain Python: the workflow's validator, the form and the serializer share
this one copy. What depends on the population (sizes against its rows,
keys that exist, attributes with a column) is checked when the sample is
drawn, by sampling.draws."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Mapping

from cycles.plain_text import meaningful

METHODS = ("random", "stratified", "top", "manual")
MAX_SEED = 2**63 - 1
MAX_SIZE = 100_000
MAX_KEYS = 10_000
MAX_RATIONALE = 4000


FIELDS = ("method", "size", "seed", "stratify_by", "order_by", "rationale")
KEY_LISTS = ("record_keys", "add_keys", "remove_keys")


def choice_of(data: Mapping) -> SimpleNamespace:
    """A form's or serializer's cleaned data, read like the workflow's message."""
    return SimpleNamespace(**{k: data.get(k) for k in FIELDS}, **{k: data.get(k) or [] for k in KEY_LISTS})


def problems(choice) -> list[str]:
    """Everything wrong with a selection (an object with method, size, seed,
    stratify_by, order_by, record_keys, add_keys, remove_keys, rationale)."""
    found: list[str] = []
    method = choice.method
    if method not in METHODS:
        return [f"method must be one of {', '.join(METHODS)}, not {method!r}"]
    if method != "manual":
        if not isinstance(choice.size, int) or not 1 <= choice.size <= MAX_SIZE:
            found.append(f"size must be a whole number from 1 to {MAX_SIZE}")
    # No seed: one is generated when the sample is drawn, and recorded.
    if choice.seed is not None and not (isinstance(choice.seed, int) and 0 <= choice.seed <= MAX_SEED):
        found.append(f"seed must be a whole number from 0 to {MAX_SEED}")
    if method == "stratified" and not choice.stratify_by:
        found.append("stratify_by (an attribute id) is required for a stratified sample")
    if method == "top" and not choice.order_by:
        found.append("order_by (an attribute id) is required for a top-N sample")
    if method == "manual" and not choice.record_keys:
        found.append("record_keys are required for a manual sample")
    for name in ("record_keys", "add_keys", "remove_keys"):
        keys = getattr(choice, name) or []
        if len(keys) > MAX_KEYS:
            found.append(f"{name} may list at most {MAX_KEYS} records")
        elif any(not isinstance(k, str) or not k.strip() for k in keys):
            found.append(f"{name} must be non-empty record keys")
    changed = method == "manual" or choice.add_keys or choice.remove_keys
    if changed and not meaningful(choice.rationale):
        found.append("a rationale is required for a manual sample and for records added or removed by hand")
    if len(choice.rationale or "") > MAX_RATIONALE:
        found.append(f"the rationale is longer than {MAX_RATIONALE} characters")
    return found
