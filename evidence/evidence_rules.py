"""What a submission of evidence and a review of it must hold, given the
records of the round and the attributes in scope: the one rule the
workflow's validator, the serializers' checks and the forms apply.

Django-free: the workflow imports it (through evidence.workflow_steps)."""
from __future__ import annotations

from collections import Counter
from typing import Iterable

MAX_VALUE = 1000  # characters of one source value
MAX_NOTE = 5000
MAX_COMMENTS = 10000


def _duplicates(ids: Iterable[int]) -> list[int]:
    return sorted(i for i, n in Counter(ids).items() if n > 1)


def _coverage(expected: Iterable[int], given: list[int], what: str) -> list[str]:
    problems = []
    expected = set(expected)
    missing = sorted(expected - set(given))
    extra = sorted(set(given) - expected)
    twice = _duplicates(given)
    if missing:
        problems.append(f"{what} missing for samples {', '.join(map(str, missing))}")
    if extra:
        problems.append(f"samples {', '.join(map(str, extra))} are not awaiting {what} in this round")
    if twice:
        problems.append(f"samples {', '.join(map(str, twice))} appear more than once")
    return problems


def submission_problems(round_samples: Iterable[int], attributes: Iterable[int], samples: list) -> list[str]:
    """`samples`: objects with sample_id, source_values ({attribute id (str):
    value}) and file_ids. Every sample of the round, each once, with at least
    one file and a non-blank value for every attribute in scope."""
    problems = _coverage(round_samples, [s.sample_id for s in samples], "evidence")
    wanted = {str(a) for a in attributes}
    for s in samples:
        if not s.file_ids:
            problems.append(f"sample {s.sample_id} has no file: upload at least one")
        given = set(s.source_values)
        if given - wanted:
            problems.append(f"sample {s.sample_id}: attributes {', '.join(sorted(given - wanted))} are not in scope")
        blank = sorted(a for a in wanted if not str(s.source_values.get(a, "")).strip())
        if blank:
            problems.append(f"sample {s.sample_id}: the source value of attributes {', '.join(blank)} is missing")
        if any(len(str(v)) > MAX_VALUE for v in s.source_values.values()):
            problems.append(f"sample {s.sample_id}: a source value is longer than {MAX_VALUE} characters")
    return problems


def review_problems(round_samples: Iterable[int], decisions: list) -> list[str]:
    """`decisions`: objects with sample_id, accepted and comments. Every
    sample of the round decided once; a returned one says why."""
    problems = _coverage(round_samples, [d.sample_id for d in decisions], "a decision")
    for d in decisions:
        if not d.accepted and not (d.comments or "").strip():
            problems.append(f"sample {d.sample_id}: comments are required when evidence is returned")
    return problems
