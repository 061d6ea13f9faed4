"""Issue 13, part 6: the audit CSV's columns each mean one thing, delegation
changes are in it, and each cycle's decisions export as CSV and Excel."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from cycles import roles
from reviews import delegations
from reviews.models import AuditEvent, Delegation

from . import rows
from .clients import browser
from .factories import UserFactory, scoped_report


def read(response) -> list[dict]:
    assert response.status_code == 200, response
    table = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    return [dict(zip(table[0], r)) for r in table[1:]]


@pytest.mark.django_db
def test_each_column_has_one_meaning_and_delegations_are_rows():
    cr = scoped_report(attributes=1)
    manager = cr.cycle.test_manager
    stand_in = UserFactory(username="stand-in", role=roles.TESTER)
    t0 = timezone.now() - timedelta(hours=1)

    def event(kind, actor, on_behalf_of, minutes):
        AuditEvent.objects.create(cycle=cr.cycle, cycle_report=cr, event=kind, actor=actor, on_behalf_of=on_behalf_of,
                                  at=t0 + timedelta(minutes=minutes), detail=kind)

    event(AuditEvent.Event.TASK_OPENED, None, cr.tester, 1)  # the workflow opened the tester's task
    event(AuditEvent.Event.SUBMISSION_ACCEPTED, stand_in, cr.tester, 3)  # a delegate submitted for the tester
    event(AuditEvent.Event.SUBMISSION_ACCEPTED, cr.tester, cr.tester, 4)  # the tester for themselves
    event(AuditEvent.Event.REASSIGNMENT, manager, stand_in, 5)  # the manager moved it to stand-in
    d = Delegation(delegator=cr.tester, delegate=stand_in, starts_at=t0, ends_at=t0 + timedelta(days=2), reason="leave")
    delegations.save(d, cr.tester)  # now, after the events
    unrelated = UserFactory(role=roles.TESTER)
    delegations.save(Delegation(delegator=unrelated, delegate=stand_in, starts_at=t0, ends_at=t0 + timedelta(days=1),
                                reason="x"), unrelated)

    got = read(browser(manager).get(f"/cycles/{cr.cycle_id}/audit.csv"))
    cols = ["event", "actor", "acting_for", "task_holder", "delegator", "delegate"]
    assert [[r[c] for c in cols] for r in got] == [
        ["task_opened", "", "", cr.tester.username, "", ""],
        ["submission_accepted", "stand-in", cr.tester.username, "", "", ""],
        ["submission_accepted", cr.tester.username, "", "", "", ""],
        ["reassigned", manager.username, "", "stand-in", "", ""],
        ["delegation_created", cr.tester.username, "", "", cr.tester.username, "stand-in"],
    ]
    assert got[-1]["report"] == "" and "stand-in acts for" in got[-1]["detail"]
    assert all(r["at_utc"].endswith("+00:00") for r in got)


def _two_versions():
    cr = scoped_report(attributes=3)
    cr.report.attributes.update(is_primary_key=False)  # so that rows.submission overrides one
    rows.recommendations(cr)
    v1 = rows.submission(cr, cr.tester, version=1, superseded=True)
    rows.owner_decision(v1, cr.report_owner)
    rows.submission(cr, cr.tester, version=2)
    return cr


@pytest.mark.django_db
def test_decisions_export_csv_has_every_version_with_who_for_whom_and_when():
    from scoping.models import ScopingDecision

    cr = _two_versions()
    got = read(browser(cr.cycle.test_manager).get(f"/cycles/{cr.cycle_id}/scoping-decisions.csv"))
    assert len(got) == 6  # 3 attributes x 2 versions
    assert [r["version"] for r in got] == ["1", "1", "1", "2", "2", "2"]
    override = next(r for r in got if r["overrides_recommendation"] == "yes")
    d = ScopingDecision.objects.get(submission__version=1, overrides_recommendation=True)
    assert override["attribute"] == d.attribute.name and override["rationale"] == "covered by a control"
    assert override["recommended"] != override["decision"]
    assert override["submitted_by"] == cr.tester.username and override["submitted_for"] == cr.tester.username
    assert override["owner_outcome"] == "Changes requested" and override["owner_comments"] == "please revisit version 1"
    assert got[0]["version_state"] == "superseded" and got[-1]["version_state"] == "current"
    assert got[-1]["owner_outcome"] == ""


@pytest.mark.django_db
def test_decisions_export_as_excel_and_for_managers_only():
    from openpyxl import load_workbook

    cr = _two_versions()
    answer = browser(cr.cycle.test_manager).get(f"/cycles/{cr.cycle_id}/scoping-decisions.xlsx")
    assert answer.status_code == 200
    assert answer["Content-Disposition"].endswith('scoping-decisions.xlsx"')
    sheet = load_workbook(io.BytesIO(answer.content)).active
    table = [[c for c in r] for r in sheet.iter_rows(values_only=True)]
    csv_rows = read(browser(cr.cycle.test_manager).get(f"/cycles/{cr.cycle_id}/scoping-decisions.csv"))
    assert table[0][:3] == ["report", "attribute_line", "attribute"]
    assert len(table) == 1 + len(csv_rows)
    assert [str(v) if v is not None else "" for v in table[1]] == list(csv_rows[0].values())
    for someone in (cr.tester, cr.report_owner):
        assert browser(someone).get(f"/cycles/{cr.cycle_id}/scoping-decisions.xlsx").status_code == 403
        assert browser(someone).get(f"/cycles/{cr.cycle_id}/scoping-decisions.csv").status_code == 403
    assert browser(cr.cycle.test_manager).get("/cycles/999999/scoping-decisions.csv").status_code == 404
