"""Sampling draws an examiner can re-perform on any machine.

The same population, method, size and seed always give the same sample: no
draw uses Python's `random` (whose algorithms may change between versions),
only SHA-256 and sorting.

**Rank of a record**: the SHA-256 of the UTF-8 text ``"<seed>:<key>"`` (the
seed in decimal, the record key as stored: without surrounding white space),
written as 64 lowercase hex digits. Ranks are compared as text, which is the
same as comparing them as numbers. For example, seed 42 and key ``L-0001``:
``printf '%s' '42:L-0001' | sha256sum``. In PostgreSQL:
``encode(sha256(convert_to('42' || ':' || key, 'UTF8')), 'hex')``. A
spreadsheet can sort the ranks computed by either.

Methods:

- **random** (size, seed): the `size` records with the smallest ranks.
- **stratified** (size, seed, stratify_by): records are grouped by the text
  of attribute `stratify_by` exactly as in the file (a blank cell is its own
  stratum). Each stratum gets its share of `size` (`allocate`): when `size`
  is at least the number of strata, every stratum gets one record and the
  rest, `size` minus the number of strata, is shared in proportion to the
  records each stratum has left (its count minus one); otherwise `size` is
  shared in proportion to the strata's counts. A share is the whole part of
  ``rest × weight ÷ total weight``; the records still unallocated go one each
  to the strata with the largest remainders, ties to the larger stratum, then
  to the stratum whose value has the smaller rank (SHA-256 of
  ``"<seed>:<value>"``). Shares sum to `size` and never exceed a stratum's
  count. Within a stratum: its records with the smallest ranks.
- **top** (size, order_by): the `size` records with the largest numeric value
  of attribute `order_by`; equal values in record key order (by Unicode code
  point). A number is digits with an optional sign, decimal point and
  exponent, commas only between groups of three digits, or such a number in
  parentheses for a negative amount; surrounding white space is ignored.
  Other values (blank, ``N/A``, ``1.250.000,00``) make the record ineligible:
  they are counted in the result (`not_numeric`), with up to ten of their
  keys, and `describe` says so.
- **manual** (record_keys, rationale): exactly those records.

Manual changes on top of any draw (`change`): records added or removed, each
with its reason; the draw records both.

Memory stays bounded on a population of millions: records are streamed from
the database in chunks, and only the `size` best so far (a heap) or one
counter per stratum are kept.
"""
from __future__ import annotations

import dataclasses
import hashlib
import heapq
import re
import secrets
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import NotSupportedError
from django.db.models import Count, F, Func, TextField, Value
from django.db.models.functions import Coalesce

from .errors import DrawError
from .models import Population, PopulationRecord

MAX_SEED = 2**63 - 1
STREAM_CHUNK = 5000
LOOKUP_BATCH = 500
NOT_NUMERIC_EXAMPLES = 10


class Method:
    RANDOM = "random"
    STRATIFIED = "stratified"
    TOP = "top"
    MANUAL = "manual"
    ALL = (RANDOM, STRATIFIED, TOP, MANUAL)


@dataclass(frozen=True)
class SampleItem:
    record_id: int
    key: str
    reason: str


@dataclass(frozen=True)
class Change:
    """A record added to or removed from a drawn sample, and why."""

    record_id: int
    key: str
    reason: str


@dataclass(frozen=True)
class Stratum:
    value: str
    records: int
    drawn: int


@dataclass(frozen=True)
class Draw:
    """A sample and everything needed to re-perform and explain it."""

    method: str
    population_id: int
    population_version: int
    population_rows: int
    items: tuple[SampleItem, ...]
    size: int | None = None  # as asked (random, stratified, top)
    seed: int | None = None  # random, stratified
    stratify_by: int | None = None  # attribute id
    order_by: int | None = None  # attribute id
    attribute_name: str = ""  # the column of stratify_by / order_by
    rationale: str = ""  # manual
    strata: tuple[Stratum, ...] = ()
    not_numeric: int = 0  # top: records whose value is not a number
    not_numeric_keys: tuple[str, ...] = ()  # top: up to ten of them, in key order
    added: tuple[Change, ...] = ()
    removed: tuple[Change, ...] = ()

    @property
    def record_ids(self) -> list[int]:
        return [item.record_id for item in self.items]

    @property
    def keys(self) -> list[str]:
        return [item.key for item in self.items]


# --- the rule -----------------------------------------------------------------

def new_seed() -> int:
    """A fresh seed, 0 <= seed <= 2**63 - 1, from the OS's secure source."""
    return secrets.randbelow(MAX_SEED + 1)


def rank(seed: int, key: str) -> str:
    """The documented rank: SHA-256 of "<seed>:<key>" as lowercase hex."""
    return hashlib.sha256(f"{seed}:{key}".encode()).hexdigest()


def allocate(counts: Mapping[str, int], size: int, seed: int) -> dict[str, int]:
    """Records to draw per stratum (see the module docstring), for strata of
    `counts` records each."""
    total = sum(counts.values())
    if not 1 <= size <= total:
        raise DrawError(f"The sample size must be between 1 and {total:,}")
    if size >= len(counts):
        base, weights, rest = 1, {s: n - 1 for s, n in counts.items()}, size - len(counts)
    else:
        base, weights, rest = 0, dict(counts), size
    weight_total = sum(weights.values())
    if weight_total == 0:  # every stratum has one record: each gets its one
        return {s: base for s in counts}
    shares = {s: base + rest * w // weight_total for s, w in weights.items()}
    left = size - sum(shares.values())
    order = sorted(counts, key=lambda s: (-(rest * weights[s] % weight_total), -counts[s], rank(seed, s)))
    for stratum in order[:left]:
        shares[stratum] += 1
    return shares


_NUMBER = re.compile(
    r"[+-]?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
)


def parse_number(text: str | None) -> Decimal | None:
    """The value of a cell for `top`, or None when it is not a number."""
    if text is None:
        return None
    text = text.strip()
    negative = text.startswith("(") and text.endswith(")")
    if negative:
        text = text[1:-1].strip()
        if text.startswith(("+", "-")):
            return None
    if not _NUMBER.fullmatch(text):
        return None
    number = Decimal(text.replace(",", ""))
    return -number if negative else number


# --- the draws ----------------------------------------------------------------

def draw(
    population: Population,
    method: str,
    *,
    size: int | None = None,
    seed: int | None = None,
    stratify_by: int | None = None,
    order_by: int | None = None,
    record_keys: Sequence[str] | None = None,
    rationale: str | None = None,
) -> Draw:
    """One entry point for the API and the form: the fields the method
    needs; a seed is generated when random or stratified get none."""
    if method == Method.RANDOM:
        return draw_random(population, size, new_seed() if seed is None else seed)
    if method == Method.STRATIFIED:
        return draw_stratified(population, size, new_seed() if seed is None else seed, stratify_by)
    if method == Method.TOP:
        return draw_top(population, size, order_by)
    if method == Method.MANUAL:
        return draw_manual(population, record_keys, rationale)
    raise DrawError(f"Unknown sampling method '{method}': use one of {', '.join(Method.ALL)}")


def draw_random(population: Population, size: int, seed: int) -> Draw:
    """Simple random sample: the `size` records with the smallest ranks."""
    _check_size(population, size)
    _check_seed(seed)
    prefix = f"{seed}:"
    sha256 = hashlib.sha256
    # Digests order exactly as their hex forms do.
    ranked = ((sha256((prefix + key).encode()).digest(), key, pk) for pk, key in _stream(population, "id", "key"))
    chosen = heapq.nsmallest(size, ranked)
    items = tuple(
        SampleItem(pk, key, f"random: rank {i} of {size} (SHA-256 {digest.hex()[:16]}…)")
        for i, (digest, key, pk) in enumerate(chosen, 1)
    )
    return _draw(population, Method.RANDOM, items, size=size, seed=seed)


def draw_stratified(population: Population, size: int, seed: int, stratify_by: int) -> Draw:
    """Stratified sample: `size` shared among the values of `stratify_by`
    by `allocate`, the smallest ranks within each stratum."""
    _check_size(population, size)
    _check_seed(seed)
    name = _column_of(population, stratify_by, "stratify by")
    counts = _strata_counts(population, stratify_by, name)
    shares = allocate(counts, size, seed)
    # A bounded max-heap per stratum: (-rank, key, id) keeps the smallest ranks.
    heaps: dict[str, list] = {s: [] for s, k in shares.items() if k}
    prefix = f"{seed}:"
    sha256 = hashlib.sha256
    for pk, key, value in _stream(population, "id", "key", _stratum_expression(stratify_by)):
        heap = heaps.get(value)
        if heap is None:
            continue
        item = (-int.from_bytes(sha256((prefix + key).encode()).digest(), "big"), key, pk)
        if len(heap) < shares[value]:
            heapq.heappush(heap, item)
        elif item > heap[0]:
            heapq.heapreplace(heap, item)
    items = []
    for value in sorted(heaps):
        picked = sorted(heaps[value], reverse=True)
        for i, (_, key, pk) in enumerate(picked, 1):
            items.append(
                SampleItem(
                    pk, key,
                    f"stratified by {name}: stratum {_show(value)}, rank {i} of {len(picked)} "
                    f"drawn from {counts[value]:,}",
                )
            )
    strata = tuple(Stratum(s, counts[s], shares[s]) for s in sorted(counts))
    return _draw(
        population, Method.STRATIFIED, tuple(items),
        size=size, seed=seed, stratify_by=stratify_by, attribute_name=name, strata=strata,
    )


def draw_top(population: Population, size: int, order_by: int) -> Draw:
    """The `size` records with the largest numbers in `order_by`, equal
    values in key order; records without a number are counted, not drawn."""
    _check_size(population, size)
    name = _column_of(population, order_by, "order by")
    not_numeric = 0
    examples: list[str] = []  # the first few ineligible keys, in key order

    def numeric() -> Iterator[tuple[Decimal, str, int, str]]:
        nonlocal not_numeric
        for pk, key, text in _stream(population, "id", "key", AttributeText(order_by)):
            number = parse_number(text)
            if number is None:
                not_numeric += 1
                _keep_smallest(examples, key, NOT_NUMERIC_EXAMPLES)
            else:
                yield -number, key, pk, text

    chosen = heapq.nsmallest(size, numeric())
    if len(chosen) < size:
        raise DrawError(
            f"Only {len(chosen):,} records have a number in {name}; {not_numeric:,} do not "
            f"(e.g. {_list(sorted(examples), 3)}): choose a size of at most {len(chosen):,}"
        )
    items = tuple(
        SampleItem(pk, key, f"top by {name}: #{i} of {size}, {text.strip()}")
        for i, (_, key, pk, text) in enumerate(chosen, 1)
    )
    return _draw(
        population, Method.TOP, items, size=size, order_by=order_by, attribute_name=name,
        not_numeric=not_numeric, not_numeric_keys=tuple(sorted(examples)),
    )


def draw_manual(population: Population, record_keys: Sequence[str] | None, rationale: str | None) -> Draw:
    """Exactly the records named, in the order given."""
    rationale = _reason(rationale, "A manual selection needs a rationale")
    keys = _keys(record_keys, "record_keys")
    if not keys:
        raise DrawError("A manual selection needs at least one record key")
    found = _find(population.pk, keys)
    items = tuple(SampleItem(found[k], k, f"manual selection: {rationale}") for k in keys)
    return _draw(population, Method.MANUAL, items, size=len(items), rationale=rationale)


def change(
    sample: Draw,
    *,
    add: Iterable[tuple[str, str]] = (),
    remove: Iterable[tuple[str, str]] = (),
) -> Draw:
    """`sample` with records removed and added, each a (record key, reason).

    A removed record must be in the sample; an added one must be in the
    population and not already in the sample. Added records come last."""
    add = [(k, _reason(r, f"The addition of '{k}' needs a reason")) for k, r in add]
    remove = [(k, _reason(r, f"The removal of '{k}' needs a reason")) for k, r in remove]
    add_keys = _keys([k for k, _ in add], "add")
    remove_keys = _keys([k for k, _ in remove], "remove")
    both = set(add_keys) & set(remove_keys)
    if both:
        raise DrawError(f"Record {_list(sorted(both))} is both added and removed")
    in_sample = {item.key: item for item in sample.items}
    absent = [k for k in remove_keys if k not in in_sample]
    if absent:
        raise DrawError(f"Not in the sample, so it cannot be removed: {_list(absent)}")
    present = [k for k in add_keys if k in in_sample]
    if present:
        raise DrawError(f"Already in the sample: {_list(present)}")
    found = _find(sample.population_id, add_keys) if add_keys else {}
    removed = tuple(Change(in_sample[k].record_id, k, f"manual removal: {r}") for k, (_, r) in zip(remove_keys, remove))
    added = tuple(Change(found[k], k, f"manual addition: {r}") for k, (_, r) in zip(add_keys, add))
    gone = set(remove_keys)
    items = tuple(i for i in sample.items if i.key not in gone) + tuple(
        SampleItem(c.record_id, c.key, c.reason) for c in added
    )
    if not items:
        raise DrawError("The sample would be empty")
    return dataclasses.replace(sample, items=items, added=sample.added + added, removed=sample.removed + removed)


def describe(sample: Draw) -> str:
    """The draw in words, for the approval page and the audit trail."""
    of = f"of {sample.population_rows:,} records in population version {sample.population_version}"
    rule = 'each record\'s rank is the SHA-256 (hex) of "<seed>:<record key>"'
    if sample.method == Method.RANDOM:
        text = (
            f"Simple random sample of {sample.size:,} {of}, seed {sample.seed}: {rule}; "
            f"the {sample.size:,} smallest ranks were drawn."
        )
    elif sample.method == Method.STRATIFIED:
        shown = ", ".join(f"{_show(s.value)} {s.drawn:,} of {s.records:,}" for s in sample.strata[:20])
        more = f" and {len(sample.strata) - 20:,} more strata" if len(sample.strata) > 20 else ""
        text = (
            f"Stratified sample of {sample.size:,} {of} by {sample.attribute_name}, seed {sample.seed}: "
            f"{len(sample.strata):,} strata ({shown}{more}), shares by largest remainder; within each "
            f"stratum {rule}, the smallest ranks drawn."
        )
    elif sample.method == Method.TOP:
        text = (
            f"Top {sample.size:,} {of} by {sample.attribute_name}: the largest values, equal values in "
            f"record key order."
        )
        if sample.not_numeric:
            text += (
                f" {sample.not_numeric:,} records whose {sample.attribute_name} is not a number were not "
                f"eligible (e.g. {_list(list(sample.not_numeric_keys))})."
            )
    else:
        text = f"Manual selection of {sample.size:,} records {of}: {sample.rationale}."
    if sample.added or sample.removed:
        changes = [f"added {c.key} ({c.reason})" for c in sample.added]
        changes += [f"removed {c.key} ({c.reason})" for c in sample.removed]
        text += f" Then {'; '.join(changes)}."
    return f"{text} The sample has {len(sample.items):,} records."


# --- reading the records --------------------------------------------------------

class AttributeText(Func):
    """The text of one attribute in PopulationRecord.values.

    Not KeyTextTransform: Django reads a key made of digits (attribute ids
    are) as an array index, on PostgreSQL and SQLite alike."""

    output_field = TextField()

    def __init__(self, attribute_id: int):
        super().__init__(F("values"))
        self.key = str(int(attribute_id))

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"({sql} ->> %s)", (*params, self.key)

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"JSON_EXTRACT({sql}, %s)", (*params, f'$."{self.key}"')

    def as_sql(self, compiler, connection, **extra):
        raise NotSupportedError("Sampling draws support PostgreSQL and SQLite")


def _stratum_expression(attribute_id: int):
    # A record always has every matched column, but "" and NULL must be one stratum.
    return Coalesce(AttributeText(attribute_id), Value(""), output_field=TextField())


def _stream(population: Population, *fields) -> Iterator[tuple]:
    """Rows of the population's records, fetched in chunks (a server-side
    cursor on PostgreSQL): never the whole population in memory."""
    names = []
    annotations = {}
    for i, field in enumerate(fields):
        if isinstance(field, str):
            names.append(field)
        else:
            annotations[f"_f{i}"] = field
            names.append(f"_f{i}")
    queryset = PopulationRecord.objects.filter(population_id=population.pk)
    if annotations:
        queryset = queryset.annotate(**annotations)
    return queryset.values_list(*names).order_by().iterator(chunk_size=STREAM_CHUNK)


def _strata_counts(population: Population, attribute_id: int, name: str) -> dict[str, int]:
    rows = (
        PopulationRecord.objects.filter(population_id=population.pk)
        .annotate(stratum=_stratum_expression(attribute_id))
        .values("stratum")
        .annotate(n=Count("id"))
        .values_list("stratum", "n")
        .order_by()
    )
    limit = settings.SAMPLING_MAX_STRATA
    counts: dict[str, int] = {}
    for value, n in rows.iterator(chunk_size=STREAM_CHUNK):
        counts[value] = n
        if len(counts) > limit:
            raise DrawError(
                f"{name} has more than {limit:,} distinct values: stratify by an attribute with fewer values"
            )
    return counts


def _find(population_id: int, keys: list[str]) -> dict[str, int]:
    """{key: record id} for `keys`, all of which must exist."""
    found: dict[str, int] = {}
    for start in range(0, len(keys), LOOKUP_BATCH):
        batch = keys[start:start + LOOKUP_BATCH]
        found.update(
            PopulationRecord.objects.filter(population_id=population_id, key__in=batch).values_list("key", "id")
        )
    unknown = [k for k in keys if k not in found]
    if unknown:
        raise DrawError(f"Not in the population: {_list(unknown)}")
    return found


# --- checks -------------------------------------------------------------------

def _check_size(population: Population, size) -> None:
    if not isinstance(size, int) or isinstance(size, bool):
        raise DrawError("The sample size must be a whole number")
    if not 1 <= size <= population.rows:
        raise DrawError(
            f"The sample size must be between 1 and {population.rows:,} (the population's records); got {size:,}"
        )


def _check_seed(seed) -> None:
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed <= MAX_SEED:
        raise DrawError(f"The seed must be a whole number from 0 to {MAX_SEED}")


def _column_of(population: Population, attribute_id, purpose: str) -> str:
    if not isinstance(attribute_id, int) or isinstance(attribute_id, bool):
        raise DrawError(f"Choose the attribute to {purpose}")
    columns = population.attribute_columns()
    if attribute_id not in columns:
        available = ", ".join(f"{a} ({c})" for a, c in sorted(columns.items())) or "none"
        raise DrawError(
            f"Attribute {attribute_id} has no column in population version {population.version} "
            f"(attributes with a column: {available})"
        )
    return columns[attribute_id]


def _reason(text, message: str) -> str:
    text = " ".join(str(text or "").split())
    if not text:
        raise DrawError(message)
    return text


def _keys(keys, field: str) -> list[str]:
    if keys is None:
        return []
    if isinstance(keys, str) or not all(isinstance(k, str) for k in keys):
        raise DrawError(f"{field} must be a list of record keys")
    keys = [k.strip() for k in keys]
    seen: set[str] = set()
    twice = sorted({k for k in keys if k in seen or seen.add(k)})
    if twice:
        raise DrawError(f"Listed twice in {field}: {_list(twice)}")
    if "" in seen:
        raise DrawError(f"{field} has an empty record key")
    return keys


def _keep_smallest(kept: list[str], key: str, n: int) -> None:
    """Keeps in `kept` the n smallest keys seen (n is small: a list will do;
    keys are unique in a population)."""
    if len(kept) < n:
        kept.append(key)
    else:
        largest = max(kept)
        if key < largest:
            kept[kept.index(largest)] = key


def _draw(population: Population, method: str, items: tuple[SampleItem, ...], **fields) -> Draw:
    return Draw(
        method=method,
        population_id=population.pk,
        population_version=population.version,
        population_rows=population.rows,
        items=items,
        **fields,
    )


def _show(value: str) -> str:
    return f"'{value}'" if value else "(blank)"


def _list(values: list[str], shown: int = 10) -> str:
    text = ", ".join(f"'{v}'" for v in values[:shown])
    return text + (f" and {len(values) - shown:,} more" if len(values) > shown else "")
