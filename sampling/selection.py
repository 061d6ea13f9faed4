"""Selecting a report's sample: its population, a draw to preview, and the
versions of the sample and the owner's decisions on them. The draws
themselves are sampling.draws (reproducible); reading files is
sampling.population_ingest."""
from __future__ import annotations

import hashlib

from django.db import transaction
from django.utils import timezone

from cycles.models import CycleReport, CycleReportAttribute
from reviews import approvals, audit
from reviews.applying import Refused, Submitted
from reviews.models import AuditEvent

from . import draws, population_ingest
from .errors import DrawError
from .models import Population, PopulationRecord, SampleApproval, SampleItem, SampleSet
from .selection_rules import MAX_SEED


def attributes_of(cycle_report: CycleReport) -> list[tuple[int, str, bool]]:
    """(attribute id, name, in scope) of the attributes the report was started with."""
    rows = CycleReportAttribute.objects.filter(cycle_report=cycle_report).values_list(
        "attribute_id", "attribute__name", "in_scope"
    )
    return [(pk, name, bool(in_scope)) for pk, name, in_scope in rows]


def upload_population(cycle_report: CycleReport, uploaded, filename: str, key_column: str | None, user) -> Population:
    """Store and read the report's population (a new version), and say so in
    the timeline with the file's SHA-256. Raises PopulationError."""
    population = population_ingest.ingest(
        cycle_report, uploaded, filename, attributes_of(cycle_report), key_column or None, uploaded_by=user
    )
    audit.record(
        AuditEvent.Event.FILE_UPLOADED,
        cycle_report,
        actor=user,
        digest=population.sha256,
        detail=(
            f"Population version {population.version} uploaded: {population.original_name}, {population.rows:,} records, "
            f"{len(population.columns)} columns, SHA-256 {population.sha256}"
        ),
    )
    return population


def seed_for(submission_id: str) -> int:
    """A seed that was not given, fixed by the submission's id: the same on
    every retry of the activity that draws it."""
    return int(hashlib.sha256(f"seed:{submission_id}".encode()).hexdigest(), 16) % (MAX_SEED + 1)


def draw_for(population: Population, choice, seed: int | None) -> draws.Draw:
    """The sample `choice` asks for (method, size, attributes, keys, manual
    changes). Raises DrawError."""
    sample = draws.draw(
        population,
        choice.method,
        size=choice.size,
        seed=seed,
        stratify_by=choice.stratify_by,
        order_by=choice.order_by,
        record_keys=choice.record_keys,
        rationale=choice.rationale,
    )
    if choice.add_keys or choice.remove_keys:
        sample = draws.change(
            sample,
            add=[(key, choice.rationale) for key in choice.add_keys],
            remove=[(key, choice.rationale) for key in choice.remove_keys],
        )
    return sample


def check(cycle_report: CycleReport, payload: dict) -> dict:
    """What the database says of a selection before it is sent, without
    drawing it (a draw reads the whole population): field errors."""
    population = Population.objects.filter(pk=payload.get("population_id"), cycle_report=cycle_report).first()
    if population is None:
        return {"population": ["Upload the report's population before selecting a sample."]}
    errors: dict[str, list[str]] = {}
    method = payload["method"]
    if method != "manual" and payload.get("size") and payload["size"] > population.rows:
        errors["size"] = [f"The population has {population.rows:,} records; the sample cannot be larger."]
    columns = population.attribute_columns()
    for field, needed in (("stratify_by", "stratified"), ("order_by", "top")):
        if method == needed and payload.get(field) not in columns:
            errors[field] = ["Choose an attribute that has a column in the population."]
    keys = [*payload.get("record_keys", []), *payload.get("add_keys", []), *payload.get("remove_keys", [])]
    if keys:
        known = set(PopulationRecord.objects.filter(population=population, key__in=keys).values_list("key", flat=True))
        unknown = [k for k in keys if k not in known]
        if unknown:
            errors["record_keys"] = [f"Not in the population: {', '.join(unknown[:20])}" + (" …" if len(unknown) > 20 else "")]
    return errors


def record_selection(submitted: Submitted) -> SampleSet:
    cycle_report, message = submitted.cycle_report, submitted.message
    existing = SampleSet.objects.filter(message_id=message.submission_id).first()
    if existing:  # a retried activity: the first attempt committed
        return existing
    population = Population.objects.filter(pk=message.population_id, cycle_report=cycle_report).first()
    if population is None:
        raise Refused("the population to draw from is not this report's")
    seed = message.seed if message.seed is not None else seed_for(message.submission_id)
    try:
        sample = draw_for(population, message, seed)
    except DrawError as problem:
        raise Refused(problem.message) from None
    now = timezone.now()
    with transaction.atomic():
        cycle_report.lock()
        version = approvals.supersede_current(SampleSet, cycle_report, now)
        saved = SampleSet.objects.create(
            cycle_report=cycle_report,
            version=version,
            message_id=message.submission_id,
            submitted_by=submitted.submitted_by,
            on_behalf_of=submitted.on_behalf_of,
            submitted_at=now,
            population=population,
            method=sample.method,
            size=sample.size,
            seed=sample.seed,
            stratify_by_id=sample.stratify_by,
            order_by_id=sample.order_by,
            rationale=message.rationale,
            description=draws.describe(sample),
            changes={
                "added": [[c.key, c.reason] for c in sample.added],
                "removed": [[c.key, c.reason] for c in sample.removed],
            },
            samples=len(sample.items),
        )
        SampleItem.objects.bulk_create(
            SampleItem(sample_set=saved, record_id=item.record_id, position=i, reason=item.reason)
            for i, item in enumerate(sample.items, start=1)
        )
        submitted.applied(f"Sample version {version}: {saved.description}")
    return saved


def record_approval(submitted: Submitted) -> SampleApproval:
    return approvals.record(submitted, SampleApproval, SampleSet, link="sample_set", what="sample")


def current(cycle_report: CycleReport) -> SampleSet | None:
    return (
        SampleSet.objects.filter(cycle_report=cycle_report, superseded_at__isnull=True)
        .select_related("population", "submitted_by", "on_behalf_of", "stratify_by", "order_by")
        .first()
    )


def items(sample_set: SampleSet):
    return SampleItem.objects.filter(sample_set=sample_set).select_related("record").order_by("position")


def history(cycle_report: CycleReport):
    return (
        SampleSet.objects.filter(cycle_report=cycle_report)
        .select_related("submitted_by", "on_behalf_of", "population", "approval__decided_by")
        .order_by("-version")
    )


def changes_since_previous(sample_set: SampleSet) -> dict | None:
    """Records added and removed since the previous version, or None for the first."""
    previous = SampleSet.objects.filter(cycle_report_id=sample_set.cycle_report_id, version=sample_set.version - 1).first()
    if previous is None:
        return None
    now = set(SampleItem.objects.filter(sample_set=sample_set).values_list("record__key", flat=True))
    before = set(SampleItem.objects.filter(sample_set=previous).values_list("record__key", flat=True))
    return {
        "previous": previous,
        "added": sorted(now - before),
        "removed": sorted(before - now),
        "method_changed": (previous.method, previous.size, previous.seed) != (sample_set.method, sample_set.size, sample_set.seed),
    }
