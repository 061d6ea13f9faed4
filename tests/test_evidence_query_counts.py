"""The Evidence phase's pages and endpoints that list records, files or
test results run as many SQL queries for 5 sampled records as for 40; the
exports too. Rows are written directly, as the phase's activities would."""
from __future__ import annotations

import uuid

import pytest
from django.utils import timezone

from cycles.models import CycleReportAttribute
from evidence import records
from evidence.models import EvidenceFile, EvidenceSubmission, SubmittedEvidence
from sampling.models import SampleItem, SampleSet
from sampling.population_ingest import ingest

from . import rows
from .factories import scoped_report
from .sampling_helpers import population_dir  # noqa: F401  (fixture)
from .test_query_counts import as_user, measure

SIZES = (5, 40)


def _report(n: int, under_review: bool):
    """A report with n sampled records, each with two files; with
    under_review, round 1 submitted and compared, awaiting the tester."""
    cr = scoped_report(attributes=6)
    attributes = list(cr.report.attributes.order_by("line_number"))
    for a in attributes:
        CycleReportAttribute.objects.create(cycle_report=cr, attribute=a, in_scope=True)
    header = ",".join(["Loan Number", *(a.name for a in attributes)])
    lines = [header] + [",".join([f"L-{i:04d}", *(str(i * 10) for _ in attributes)]) for i in range(n)]
    population = ingest(cr, __import__("io").BytesIO("\n".join(lines).encode()), "p.csv",
                        [(a.pk, a.name, True) for a in attributes], uploaded_by=cr.tester)
    now = timezone.now()
    sample_set = SampleSet.objects.create(
        cycle_report=cr, version=1, message_id=uuid.uuid4().hex, submitted_by=cr.tester, on_behalf_of=cr.tester,
        submitted_at=now, population=population, method="manual", description="all", samples=n,
    )
    items = [
        SampleItem.objects.create(sample_set=sample_set, record=record, position=i, reason="chosen")
        for i, record in enumerate(population.records.order_by("row_number"), start=1)
    ]
    files = {
        item.pk: [
            EvidenceFile.objects.create(
                cycle_report=cr, sample=item, storage_name=f"evidence/{uuid.uuid4().hex}.pdf", original_name=f"{item.pk}-{j}.pdf",
                size=10, sha256="0" * 64, content_type="application/pdf", uploaded_by=cr.data_provider,
            )
            for j in range(2)
        ]
        for item in items
    }
    if not under_review:
        rows.task(cr, "evidence_submission", cr.data_provider)
        return cr
    submission = EvidenceSubmission.objects.create(
        cycle_report=cr, version=1, message_id=uuid.uuid4().hex, submitted_by=cr.data_provider,
        on_behalf_of=cr.data_provider, submitted_at=now, samples=n,
    )
    for item in items:
        submitted = SubmittedEvidence.objects.create(
            submission=submission, sample=item, source_values={str(a.pk): "1" for a in attributes}, note="",
        )
        submitted.files.set(files[item.pk])
    records.compare(cr, submission, [item.pk for item in items])
    rows.task(cr, "evidence_review", cr.tester)
    return cr


def provider_page(n):
    cr = _report(n, under_review=False)
    return as_user(cr.data_provider), f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/evidence/", 'class="card evidence-record"'


def review_page(n):
    cr = _report(n, under_review=True)
    return as_user(cr.tester), f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/evidence-review/", 'class="card evidence-record"'


def api_test_results(n):
    cr = _report(n, under_review=True)
    return as_user(cr.tester), f"/api/cycles/{cr.cycle_id}/reports/{cr.report_id}/test-results", None


def csv_export(n):
    cr = _report(n, under_review=True)
    return as_user(cr.tester), f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/test-results.csv", "0" * 64


def report_page(n):
    cr = _report(n, under_review=True)
    return as_user(cr.tester), f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/", 'class="mismatch"'


def results_page(n):
    cr = _report(n, under_review=True)
    return as_user(cr.tester), f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/test-results/", 'class="mismatch"'


PAGES = [provider_page, review_page, api_test_results, csv_export, report_page, results_page]


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.__name__)
def test_evidence_queries_do_not_grow_with_records(page, population_dir):  # noqa: F811
    counts = {}
    for n in SIZES:
        client, url, marker = page(n)
        count, body, response = measure(client, url)
        if marker is None:
            assert len(response.json()) >= n
        else:
            assert body.count(marker) >= n, f"{page.__name__}: the page does not list the {n} records"
        counts[n] = count
    assert counts[SIZES[0]] == counts[SIZES[-1]], f"{page.__name__}: {counts} queries for {SIZES} records"


@pytest.mark.django_db
def test_the_excel_export_lists_every_result_with_its_files(population_dir):  # noqa: F811
    import io

    import openpyxl

    client, url, _ = csv_export(5)
    response = client.get(url.replace(".csv", ".xlsx"))
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    assert response["Content-Disposition"].endswith('-test-results.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    table = list(sheet.iter_rows(values_only=True))
    assert table[0][:3] == ("record", "sample_id", "attribute") and table[0][-2:] == ("evidence_files", "evidence_sha256")
    assert len(table) == 1 + 5 * 6
    # The population has i * 10 for record i, every source value is "1": no match.
    assert all(row[6] == "no" for row in table[1:])
    assert all(row[12].count(".pdf") == 2 and row[13] == "; ".join(["0" * 64] * 2) for row in table[1:])
