"""Reports in a cycle and their people: adding a report (existing or new)
and assigning its tester, report owner and data provider, one report or
many at once. One service for the pages and the API; it raises SetupError
with the field at fault, which each edge shows as a form or field error."""
from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from . import roles
from .models import CycleReport, Report, TestCycle

# Who may hold each part of a report in a cycle.
ROLE_OF = {"tester": roles.TESTER, "report_owner": roles.REPORT_OWNER, "data_provider": roles.DATA_PROVIDER}


class SetupError(Exception):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def people_with_role(role: str):
    """Active people who hold `role` (the choices offered for it)."""
    return get_user_model().objects.filter(is_active=True, groups__name=role).distinct().order_by("username")


def person(field: str, username: str | None):
    """The active user `username` holding the role of `field`; None for a
    blank name."""
    if not username:
        return None
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise SetupError({field: f"No active user {username!r}."})
    if not user.groups.filter(name=ROLE_OF[field]).exists():
        raise SetupError({field: f"{username} does not have the {ROLE_OF[field]} role."})
    return user


@dataclass
class People:
    tester: object = None
    report_owner: object = None
    data_provider: object = None


def _check_pair(tester, owner, provider) -> None:
    if tester is not None and owner is not None and tester.pk == owner.pk:
        raise SetupError({"tester": "The tester cannot be the report's owner (separation of duties)."})
    if tester is not None and provider is not None and tester.pk == provider.pk:
        raise SetupError({"data_provider": "The data provider cannot be the tester (separation of duties)."})


def add_report(cycle: TestCycle, *, report: Report | None = None, new_report: dict | None = None, people: People) -> CycleReport:
    """Add an existing report, or a new one (`new_report`: name, regulation;
    its owner is the report owner given), to the cycle."""
    _check_pair(people.tester, people.report_owner, people.data_provider)
    with transaction.atomic():
        if report is None:
            if people.report_owner is None:
                raise SetupError({"report_owner": "A new report needs its owner."})
            name = new_report["name"].strip()
            if Report.objects.filter(name__iexact=name).exists():
                raise SetupError({"report": f"A report named {name!r} exists: add it by its id."})
            report = Report.objects.create(
                name=name, regulation=new_report["regulation"].strip(), owner=people.report_owner
            )
        elif CycleReport.objects.filter(cycle=cycle, report=report).exists():
            raise SetupError({"report_id": f"{report.name} is already in this cycle."})
        try:
            with transaction.atomic():
                return CycleReport.objects.create(
                    cycle=cycle,
                    report=report,
                    tester=people.tester,
                    report_owner=people.report_owner,
                    data_provider=people.data_provider,
                )
        except IntegrityError:  # added at the same moment by someone else
            raise SetupError({"report_id": f"{report.name} is already in this cycle."}) from None


def assign(cycle_reports: list[CycleReport], changes: dict) -> int:
    """Set the people named in `changes` (field -> user, None to clear) on
    each report; all or nothing. Started reports keep their people: their
    tasks are reassigned instead."""
    started = [cr.report.name for cr in cycle_reports if cr.workflow_run_id]
    if started:
        raise SetupError(
            {"report_ids": f"Already started, reassign their tasks instead: {', '.join(sorted(started))}."}
        )
    with transaction.atomic():
        for cr in cycle_reports:
            merged = {f: changes.get(f, getattr(cr, f)) for f in ROLE_OF}
            try:
                _check_pair(merged["tester"], merged["report_owner"], merged["data_provider"])
            except SetupError as error:
                raise SetupError({k: f"{cr.report.name}: {v}" for k, v in error.errors.items()}) from None
            for f, user in changes.items():
                setattr(cr, f, user)
        CycleReport.objects.bulk_update(cycle_reports, list(changes), batch_size=500)
    return len(cycle_reports)
