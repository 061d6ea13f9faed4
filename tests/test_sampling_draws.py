"""Sampling draws: reproducible from the documented SHA-256 rule (checked
here by computing it independently), bounded in queries, and refusing what
cannot be drawn with a clear message."""
import hashlib
from fractions import Fraction

import pytest
from django.db import connection
from hypothesis import given, settings as hypothesis_settings, strategies as st

from sampling import draws
from sampling.draws import allocate, change, describe, draw, draw_manual, draw_random, draw_stratified, draw_top
from sampling.errors import DrawError, SamplingError

from .factories import CycleReportFactory
from .sampling_helpers import csv_text, population_dir, require_postgresql, upload  # noqa: F401

pytestmark = pytest.mark.django_db

LOAN, EXPOSURE, STATE, INTEREST = 11, 12, 13, 15


def independent_rank(seed, key):
    """The rule as the README states it, written out again for the test."""
    return hashlib.sha256(f"{seed}:{key}".encode("utf-8")).hexdigest()


def smallest_ranks(seed, keys, n):
    return sorted(keys, key=lambda k: independent_rank(seed, k))[:n]


@pytest.fixture
def cr():
    return CycleReportFactory()


def loans(cr, n=20, state=lambda i: "CA", exposure=lambda i: str(i * 100), reverse=False):
    rows = [[f"L-{i:04d}", state(i), exposure(i)] for i in range(1, n + 1)]
    if reverse:
        rows.reverse()
    return upload(cr, csv_text(["Loan Number", "State", "Committed Exposure"], rows))


# --- random -------------------------------------------------------------------

def test_golden_sample_of_a_fixed_population_and_seed(cr, population_dir):
    population = loans(cr, 20)
    sample = draw_random(population, 5, 42)
    # Pinned from `printf '%s' "42:L-0001" | sha256sum` for each key, sorted:
    # computed with coreutils, not with this code.
    assert sample.keys == ["L-0007", "L-0018", "L-0014", "L-0017", "L-0011"]
    assert sample.keys == smallest_ranks(42, [f"L-{i:04d}" for i in range(1, 21)], 5)
    assert sample.items[0].reason == "random: rank 1 of 5 (SHA-256 2c47f227009b5c97…)"
    assert sample.record_ids == [population.records.get(key=k).pk for k in sample.keys]
    assert (sample.method, sample.size, sample.seed, sample.population_rows) == ("random", 5, 42, 20)


def test_same_inputs_same_sample_whatever_the_row_order(cr, population_dir):
    first = loans(cr, 200)
    again = draw_random(first, 25, 2**63 - 1)
    assert draw_random(first, 25, 2**63 - 1).keys == again.keys
    reordered = loans(cr, 200, reverse=True)  # the same records inserted in another order
    assert draw_random(reordered, 25, 2**63 - 1).keys == again.keys
    other_seed = draw_random(first, 25, 2**63 - 2)
    assert other_seed.keys != again.keys
    assert other_seed.keys == smallest_ranks(2**63 - 2, [f"L-{i:04d}" for i in range(1, 201)], 25)


def test_the_whole_population_can_be_drawn(cr, population_dir):
    population = loans(cr, 7)
    assert sorted(draw_random(population, 7, 0).keys) == [f"L-{i:04d}" for i in range(1, 8)]


def test_a_seed_is_generated_when_none_is_given(cr, population_dir):
    population = loans(cr, 30)
    sample = draw(population, "random", size=3)
    assert isinstance(sample.seed, int) and 0 <= sample.seed <= 2**63 - 1
    assert draw(population, "random", size=3, seed=sample.seed).keys == sample.keys
    seeds = {draws.new_seed() for _ in range(50)}
    assert len(seeds) == 50 and all(0 <= s < 2**63 for s in seeds)


@pytest.mark.parametrize(
    "size, seed, message",
    [
        (0, 1, "The sample size must be between 1 and 20 (the population's records); got 0"),
        (21, 1, "The sample size must be between 1 and 20 (the population's records); got 21"),
        ("5", 1, "The sample size must be a whole number"),
        (True, 1, "The sample size must be a whole number"),
        (None, 1, "The sample size must be a whole number"),
        (5, -1, "The seed must be a whole number from 0 to 9223372036854775807"),
        (5, 2**63, "The seed must be a whole number from 0 to 9223372036854775807"),
        (5, "42", "The seed must be a whole number from 0 to 9223372036854775807"),
    ],
)
def test_random_refusals(cr, population_dir, size, seed, message):
    population = loans(cr, 20)
    with pytest.raises(DrawError) as refused:
        draw_random(population, size, seed)
    assert str(refused.value) == message


def test_unknown_method(cr, population_dir):
    with pytest.raises(SamplingError, match="Unknown sampling method 'systematic'"):
        draw(loans(cr, 3), "systematic", size=1)


# --- stratified ---------------------------------------------------------------

def state_of(i):
    return "CA" if i <= 50 else "NY" if i <= 80 else "TX"


def test_stratified_shares_in_proportion_and_draws_the_smallest_ranks_per_stratum(cr, population_dir):
    population = loans(cr, 100, state=state_of)
    sample = draw_stratified(population, 10, 7, STATE)
    assert [(s.value, s.records, s.drawn) for s in sample.strata] == [("CA", 50, 5), ("NY", 30, 3), ("TX", 20, 2)]
    by_state = {"CA": range(1, 51), "NY": range(51, 81), "TX": range(81, 101)}
    expected = []
    for state, n in (("CA", 5), ("NY", 3), ("TX", 2)):
        expected += smallest_ranks(7, [f"L-{i:04d}" for i in by_state[state]], n)
    assert sample.keys == expected
    assert sample.items[5].reason == "stratified by State: stratum 'NY', rank 1 of 3 drawn from 30"
    assert draw_stratified(population, 10, 7, STATE).keys == expected
    assert draw_stratified(population, 10, 8, STATE).keys != expected


def test_every_stratum_gets_one_when_the_size_allows(cr, population_dir):
    population = loans(cr, 100, state=lambda i: "CA" if i <= 97 else "NY" if i <= 99 else "")
    sample = draw_stratified(population, 10, 3, STATE)
    assert [(s.value, s.drawn) for s in sample.strata] == [("", 1), ("CA", 8), ("NY", 1)]
    assert "L-0100" in sample.keys  # the blank stratum's only record
    assert "stratum (blank)" in sample.items[0].reason
    assert len(sample.items) == 10


def test_allocation_examples():
    # Proportional with largest remainders: 10 x 50/100, 30/100, 20/100.
    assert allocate({"CA": 50, "NY": 30, "TX": 20}, 10, 1) == {"CA": 5, "NY": 3, "TX": 2}
    # One each, then 7 shared by 96:1:0 -> 6 r90, 0 r7, 0 r0: the leftover to CA.
    assert allocate({"CA": 97, "NY": 2, "TX": 1}, 10, 1) == {"CA": 8, "NY": 1, "TX": 1}
    # Fewer than the strata: 2 of 4 equal strata, the ties going to the
    # values with the smallest SHA-256 of "<seed>:<value>".
    shares = allocate({"a": 5, "b": 5, "c": 5, "d": 5}, 2, 7)
    assert sorted(s for s, n in shares.items() if n) == sorted(sorted("abcd", key=lambda v: independent_rank(7, v))[:2])
    assert sum(shares.values()) == 2


@hypothesis_settings(max_examples=300, deadline=None)
@given(
    counts=st.dictionaries(st.text(max_size=3), st.integers(1, 60), min_size=1, max_size=25),
    data=st.data(),
    seed=st.integers(0, 2**63 - 1),
)
def test_allocation_sums_to_the_size_and_stays_proportional(counts, data, seed):
    total = sum(counts.values())
    size = data.draw(st.integers(1, total))
    shares = allocate(counts, size, seed)
    assert sum(shares.values()) == size
    assert all(0 <= shares[s] <= counts[s] for s in counts)
    if size >= len(counts):
        assert all(n >= 1 for n in shares.values())
        rest, weights = size - len(counts), {s: n - 1 for s, n in counts.items()}
        base = 1
    else:
        rest, weights, base = size, counts, 0
    weight_total = sum(weights.values())
    for s in counts:
        quota = base + (Fraction(rest * weights[s], weight_total) if weight_total else 0)
        assert abs(shares[s] - quota) < 1


def test_stratified_refusals(cr, population_dir, settings):
    population = loans(cr, 20, state=lambda i: f"S{i % 4}")
    with pytest.raises(DrawError, match=r"^Attribute 99 has no column in population version 1 \(attributes with a column: 11 \(Loan Number\), 12 \(Committed Exposure\), 13 \(State\)\)"):
        draw_stratified(population, 5, 1, 99)
    with pytest.raises(DrawError, match="^Attribute 15 has no column"):  # in scope, but not in the file
        draw_stratified(population, 5, 1, INTEREST)
    with pytest.raises(DrawError, match="^Choose the attribute to stratify by"):
        draw(population, "stratified", size=5)
    settings.SAMPLING_MAX_STRATA = 3
    with pytest.raises(DrawError, match="^State has more than 3 distinct values"):
        draw_stratified(population, 5, 1, STATE)


# --- top ----------------------------------------------------------------------

def test_top_by_a_numeric_attribute_with_ties_by_key(cr, population_dir):
    values = {1: "500", 2: "1,250,000.00", 3: "N/A", 4: "(2,000)", 5: "900", 6: "  900 ", 7: "", 8: "1.5e3", 9: "900.0"}
    population = loans(cr, 9, exposure=lambda i: values[i])
    sample = draw_top(population, 6, EXPOSURE)
    assert sample.keys == ["L-0002", "L-0008", "L-0005", "L-0006", "L-0009", "L-0001"]
    assert [i.reason for i in sample.items[:2]] == [
        "top by Committed Exposure: #1 of 6, 1,250,000.00",
        "top by Committed Exposure: #2 of 6, 1.5e3",
    ]
    assert (sample.not_numeric, sample.not_numeric_keys) == (2, ("L-0003", "L-0007"))
    assert "2 records whose Committed Exposure is not a number were not eligible (e.g. 'L-0003', 'L-0007')" in describe(sample)
    assert draw_top(population, 7, EXPOSURE).keys[-1] == "L-0004"  # -2,000 comes last
    with pytest.raises(DrawError, match=r"^Only 7 records have a number in Committed Exposure; 2 do not \(e.g. 'L-0003', 'L-0007'\)"):
        draw_top(population, 8, EXPOSURE)


@pytest.mark.parametrize(
    "text, number",
    [("1,250,000.00", "1250000.00"), ("(1,000)", "-1000"), ("-5", "-5"), (".5", "0.5"), ("1e3", "1E+3"), (" 12 ", "12")],
)
def test_numbers(text, number):
    assert str(draws.parse_number(text)) == number


@pytest.mark.parametrize("text", ["", "N/A", "1,2,3", "1.250.000,00", "(-5)", "$5", "1 000", "nan", "inf"])
def test_not_numbers(text):
    assert draws.parse_number(text) is None


# --- manual and changes -------------------------------------------------------

def test_manual_selection_is_exactly_the_keys_given(cr, population_dir):
    population = loans(cr, 20)
    sample = draw_manual(population, [" L-0009", "L-0002 "], "  known  problem loans ")
    assert sample.keys == ["L-0009", "L-0002"]
    assert [i.reason for i in sample.items] == ["manual selection: known problem loans"] * 2
    assert describe(sample).startswith("Manual selection of 2 records of 20 records in population version 1: known problem loans.")


@pytest.mark.parametrize(
    "keys, rationale, message",
    [
        (["L-0001", "L-9999", "X"], "why", "Not in the population: 'L-9999', 'X'"),
        (["L-0001", "L-0001 "], "why", "Listed twice in record_keys: 'L-0001'"),
        (["L-0001"], "  ", "A manual selection needs a rationale"),
        ([], "why", "A manual selection needs at least one record key"),
        ("L-0001", "why", "record_keys must be a list of record keys"),
        ([""], "why", "record_keys has an empty record key"),
    ],
)
def test_manual_refusals(cr, population_dir, keys, rationale, message):
    population = loans(cr, 20)
    with pytest.raises(DrawError) as refused:
        draw_manual(population, keys, rationale)
    assert str(refused.value) == message


def test_changes_on_top_of_a_draw(cr, population_dir):
    population = loans(cr, 20)
    drawn = draw_random(population, 5, 42)  # L-0007 L-0018 L-0014 L-0017 L-0011
    changed = change(drawn, add=[("L-0001", "largest exposure")], remove=[("L-0018", "paid off in Q3")])
    assert changed.keys == ["L-0007", "L-0014", "L-0017", "L-0011", "L-0001"]
    assert changed.items[-1].reason == "manual addition: largest exposure"
    assert [(c.key, c.reason) for c in changed.removed] == [("L-0018", "manual removal: paid off in Q3")]
    assert changed.removed[0].record_id == population.records.get(key="L-0018").pk
    assert (changed.seed, changed.method) == (42, "random")
    assert describe(changed).endswith(
        "Then added L-0001 (manual addition: largest exposure); removed L-0018 (manual removal: paid off in Q3). "
        "The sample has 5 records."
    )
    again = change(changed, add=[("L-0018", "back in")])
    assert [c.key for c in again.added] == ["L-0001", "L-0018"] and len(again.removed) == 1


@pytest.mark.parametrize(
    "add, remove, message",
    [
        ([("L-0002", "")], [], "The addition of 'L-0002' needs a reason"),
        ([], [("L-0007", None)], "The removal of 'L-0007' needs a reason"),
        ([("L-0007", "x")], [], "Already in the sample: 'L-0007'"),
        ([], [("L-0002", "x")], "Not in the sample, so it cannot be removed: 'L-0002'"),
        ([("L-9999", "x")], [], "Not in the population: 'L-9999'"),
        ([("L-0002", "x")], [("L-0002", "y")], "Record 'L-0002' is both added and removed"),
        ([("L-0002", "x"), ("L-0002", "y")], [], "Listed twice in add: 'L-0002'"),
    ],
)
def test_change_refusals(cr, population_dir, add, remove, message):
    drawn = draw_random(loans(cr, 20), 5, 42)
    with pytest.raises(DrawError) as refused:
        change(drawn, add=add, remove=remove)
    assert str(refused.value) == message


def test_removing_everything_is_refused(cr, population_dir):
    drawn = draw_manual(loans(cr, 5), ["L-0001"], "why")
    with pytest.raises(DrawError, match="The sample would be empty"):
        change(drawn, remove=[("L-0001", "no")])


def test_describe_states_the_rule_and_the_seed(cr, population_dir):
    population = loans(cr, 100, state=state_of)
    text = describe(draw_random(population, 5, 42))
    assert text == (
        "Simple random sample of 5 of 100 records in population version 1, seed 42: each record's rank is the "
        'SHA-256 (hex) of "<seed>:<record key>"; the 5 smallest ranks were drawn. The sample has 5 records.'
    )
    text = describe(draw_stratified(population, 10, 7, STATE))
    assert "by State, seed 7: 3 strata ('CA' 5 of 50, 'NY' 3 of 30, 'TX' 2 of 20)" in text


# --- queries ------------------------------------------------------------------

@pytest.mark.parametrize(
    "method, arguments, queries",
    [
        ("random", dict(size=10, seed=1), 1),
        ("stratified", dict(size=10, seed=1, stratify_by=STATE), 2),
        ("top", dict(size=10, order_by=EXPOSURE), 1),
        ("manual", dict(record_keys=[f"L-{i:04d}" for i in range(1, 11)], rationale="why"), 1),
    ],
)
def test_queries_do_not_grow_with_the_population(cr, population_dir, django_assert_num_queries, method, arguments, queries):
    small = loans(cr, 30, state=lambda i: f"S{i % 3}")
    large = loans(CycleReportFactory(), 3000, state=lambda i: f"S{i % 3}")
    for population in (small, large):
        with django_assert_num_queries(queries):
            sample = draw(population, method, **arguments)
        assert len(sample.items) == 10


# --- the examiner's SQL -------------------------------------------------------

def test_the_documented_sql_re_performs_a_random_sample(cr, population_dir):
    require_postgresql()
    population = loans(cr, 500)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT key FROM sampling_populationrecord WHERE population_id = %s "
            "ORDER BY encode(sha256(convert_to(%s || ':' || key, 'UTF8')), 'hex') LIMIT 12",
            [population.pk, str(123456789)],
        )
        by_sql = [row[0] for row in cursor.fetchall()]
    assert draw_random(population, 12, 123456789).keys == by_sql
