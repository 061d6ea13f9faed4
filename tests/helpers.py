"""Driving a report through its workflow from tests."""
from django.conf import settings

from cycles import workflow_types as t
from reviews.models import HumanTask

from .temporal_harness import wait_until


def start(client, cr):
    return client.post(f"/api/cycles/{cr.cycle_id}/reports/{cr.report_id}/start")


def wait_for_task(cr, kind: str, round_no: int = 1, timeout: float = 30) -> HumanTask:
    return wait_until(
        lambda: HumanTask.objects.filter(cycle_report=cr, kind=kind, round=round_no, state__in=HumanTask.ACTIVE_STATES)
        .select_related("assignee")
        .first(),
        timeout=timeout,
        message=f"{kind} round {round_no} to open",
    )


def query(temporal, cr, name: str = "get_current_phase_status"):
    handle = temporal.env.client.get_workflow_handle(t.workflow_id_for(cr.cycle_id, cr.report_id))
    return temporal.run(handle.query(name))


def wait_for_awaiting(temporal, cr, action, timeout: float = 30):
    """Until the workflow itself says it awaits `action` (the task row is
    written a moment before the workflow records it)."""
    return wait_until(
        lambda: (query(temporal, cr)["awaiting_action"] == action) and query(temporal, cr),
        timeout=timeout,
        message=f"workflow awaiting {action}",
    )


def result(temporal, cr, timeout: float = 60):
    handle = temporal.env.client.get_workflow_handle(t.workflow_id_for(cr.cycle_id, cr.report_id))
    return temporal.run(handle.result(), timeout=timeout)


def phase_status(cr, phase: str) -> str:
    from cycles.models import PhaseStatus

    return PhaseStatus.objects.filter(cycle_report=cr, phase=phase).values_list("status", flat=True).first() or "not_started"


def scoping_outcome(temporal, cr, timeout: float = 60) -> dict:
    """Once the report's Scoping is complete (the workflow then goes on to
    the next phase): how many versions the tester submitted and which one
    stands."""
    from scoping.models import ScopingSubmission

    wait_until(lambda: phase_status(cr, "Scoping") == "completed", timeout=timeout, message="Scoping to complete")
    wait_until(
        lambda: query(temporal, cr)["phase_progress"].get("Scoping") == "completed", timeout=timeout,
        message="the workflow to leave Scoping",
    )
    # ... and to await the next phase's first step: nothing is in flight then.
    wait_for_task(cr, "sample_selection", timeout=timeout)
    wait_for_awaiting(temporal, cr, "sample_selection", timeout=timeout)
    versions = ScopingSubmission.objects.filter(cycle_report=cr)
    current = versions.filter(superseded_at__isnull=True).first()
    return {"versions": versions.count(), "approved_version": current.version if current else None}


def review_form_data(cr, overrides=None, token="tok"):
    """POST data for the review form: every attribute as recommended, except
    `overrides` {attribute_id: (include, rationale)}."""
    from scoping.models import Recommendation

    overrides = overrides or {}
    data = {"submission_token": token}
    for rec in Recommendation.objects.filter(cycle_report=cr).select_related("attribute"):
        include, rationale = overrides.get(rec.attribute_id, (rec.include, ""))
        if not rec.attribute.is_primary_key:
            data[f"include_{rec.attribute_id}"] = "1" if include else "0"
        data[f"rationale_{rec.attribute_id}"] = rationale
    return data


def task_queue():
    return settings.TEMPORAL_TASK_QUEUE


def through_scoping(temporal, cr) -> None:
    """Start the report and approve its Scoping as recommended, through the
    submit service, until the workflow awaits the sample selection."""
    from cycles.workflow_start import start_workflow
    from reviews import submissions
    from scoping.models import Recommendation

    start_workflow(cr, actor=cr.tester)
    wait_for_task(cr, "tester_review")
    wait_for_awaiting(temporal, cr, "tester_review")
    decisions = [
        {"attribute_id": r.attribute_id, "include": r.include, "rationale": ""}
        for r in Recommendation.objects.filter(cycle_report=cr)
    ]
    answer = submissions.submit(cr, "tester_review", cr.tester, {"decisions": decisions}, None)
    assert answer.status == 200, answer.body
    wait_for_awaiting(temporal, cr, "report_owner_approval")
    answer = submissions.submit(cr, "report_owner_approval", cr.report_owner, {"approved": True, "comments": ""}, None)
    assert answer.status == 200, answer.body
    wait_for_awaiting(temporal, cr, "sample_selection")


def population_csv(cr, rows: int = 20) -> bytes:
    """A population of `rows` loans for the report: the first column is the
    key, then a column per attribute (by name), plus one matching nothing."""
    from cycles.models import ReportAttribute

    attributes = list(ReportAttribute.objects.filter(report=cr.report).order_by("line_number"))
    header = ["Loan Number", *(a.name for a in attributes), "Branch Note"]
    lines = [",".join(header)]
    for i in range(1, rows + 1):
        values = []
        for a in attributes:
            values.append(str(1000 * i + 7 * (i % 5)) if a.data_type == "decimal" else f"{a.name[:3].upper()}-{i % 4}")
        lines.append(",".join([f"L-{i:04d}", *values, "n/a"]))
    return ("\n".join(lines) + "\n").encode()


def through_sampling(temporal, cr, send_back: bool = False, evidence: bool = True) -> dict | None:
    """From the awaited sample selection to the end of Sample Selection,
    through the services: a population, a random sample (and, with
    send_back, one round sent back and drawn again), the owner's approval;
    then (evidence) through the Evidence phase to the run's result, or
    (not evidence) until the evidence request is awaited."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from reviews import submissions
    from sampling import selection

    wait_for_awaiting(temporal, cr, "sample_selection")
    selection.upload_population(cr, SimpleUploadedFile("loans.csv", population_csv(cr, rows=10)), "loans.csv", None, cr.tester)
    population = selection.Population.current_for(cr)
    rounds = [(4, False), (3, True)] if send_back else [(4, True)]
    for round_no, (size, approve) in enumerate(rounds, start=1):
        if round_no > 1:
            wait_for_task(cr, "sample_selection", round_no=round_no)
            wait_for_awaiting(temporal, cr, "sample_selection")
        payload = {"method": "random", "size": size, "seed": 11 * round_no, "stratify_by": None, "order_by": None,
                   "record_keys": [], "add_keys": [], "remove_keys": [], "rationale": "", "population_id": population.pk}
        answer = submissions.submit(cr, "sample_selection", cr.tester, payload, None)
        assert answer.status == 200, answer.body
        wait_for_awaiting(temporal, cr, "sample_approval")
        decision = {"approved": approve, "comments": "" if approve else "Draw fewer records"}
        answer = submissions.submit(cr, "sample_approval", cr.report_owner, decision, None)
        assert answer.status == 200, answer.body
    if not evidence:
        wait_for_task(cr, "evidence_submission")
        wait_for_awaiting(temporal, cr, "evidence_submission")
        return None
    through_evidence(temporal, cr)
    return result(temporal, cr)


def evidence_pdf(label: str = "evidence") -> bytes:
    """A small file that is a PDF by its content."""
    return b"%PDF-1.4\n% " + label.encode() + b"\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def source_values(cr, item, change: dict | None = None) -> dict:
    """The record's reported values as its source values (every attribute in
    scope), with `change` {attribute id: value} applied."""
    from evidence import rounds

    values = {str(a.pk): item.record.values.get(str(a.pk)) or "n/a" for a in rounds.attributes_in_scope(cr)}
    values.update({str(k): v for k, v in (change or {}).items()})
    return values


def through_evidence(temporal, cr, return_first: bool = False) -> None:
    """From the awaited evidence request to the end of the Evidence phase,
    through the services: a PDF and the reported values per record from the
    provider, every record accepted by the tester (with return_first, the
    first record is returned once and provided again)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from evidence import rounds, uploads
    from reviews import submissions

    provider = cr.data_provider or cr.report_owner
    round_no = 1
    while True:
        wait_for_task(cr, "evidence_submission", round_no=round_no)
        wait_for_awaiting(temporal, cr, "evidence_submission")
        items = rounds.awaiting_evidence(cr)
        samples = []
        for item in items:
            kept = uploads.store(cr, item, SimpleUploadedFile(f"{item.record.key}.pdf", evidence_pdf(item.record.key)), provider)
            samples.append({"sample_id": item.pk, "source_values": source_values(cr, item), "note": "", "file_ids": [kept.pk]})
        answer = submissions.submit(cr, "evidence_submission", provider, {"samples": samples}, None)
        assert answer.status == 200, answer.body
        wait_for_awaiting(temporal, cr, "evidence_review")
        returning = return_first and round_no == 1
        decisions = [
            {"sample_id": s["sample_id"], "accepted": not (returning and i == 0), "comments": "Illegible scan" if returning and i == 0 else ""}
            for i, s in enumerate(samples)
        ]
        answer = submissions.submit(cr, "evidence_review", cr.tester, {"decisions": decisions}, None)
        assert answer.status == 200, answer.body
        if not returning:
            return
        round_no += 1
