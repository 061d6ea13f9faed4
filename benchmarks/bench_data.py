"""People, cycles and reports for the benchmark, written with the ORM in
bulk (Django is set up by the caller)."""
from __future__ import annotations

import datetime as dt
import uuid

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from cycles import roles
from cycles.models import CycleReport, Report, ReportAttribute, TestCycle

PASSWORD = "bench-password-not-secret"

# A realistic mix of flags, as the tests' factories use.
FLAGS = [
    dict(is_primary_key=True, is_cde=True, is_mandatory=True, data_type="string"),
    dict(is_cde=True, has_historical_issues=True, data_type="decimal"),
    dict(is_mandatory=True, data_type="string"),
    dict(data_type="string"),
    dict(is_cde=True, is_mandatory=True, data_type="date"),
    dict(has_historical_issues=True, data_type="string"),
]


def people(n: int, run: str) -> tuple[list, list, object]:
    """n testers, n report owners and a test manager, with a password."""
    User = get_user_model()
    groups = {role: Group.objects.get_or_create(name=role)[0] for role in (roles.TESTER, roles.REPORT_OWNER, roles.TEST_MANAGER)}

    def make(name, role):
        user = User(username=f"{name}-{run}", email=f"{name}-{run}@bank.example")
        user.set_password(PASSWORD)
        user.save()
        user.groups.add(groups[role])
        return user

    testers = [make(f"tester{i}", roles.TESTER) for i in range(n)]
    owners = [make(f"owner{i}", roles.REPORT_OWNER) for i in range(n)]
    return testers, owners, make("manager", roles.TEST_MANAGER)


def cycle(manager, run: str, label: str) -> TestCycle:
    return TestCycle.objects.create(
        name=f"Benchmark {label} {run}", period_end=dt.date(2026, 9, 30), test_manager=manager,
    )


def reports(cycle_: TestCycle, count: int, attributes: int, testers: list, owners: list) -> list[CycleReport]:
    """`count` reports of `attributes` attributes each in `cycle_`, the
    i-th assigned to tester i and owner i (round robin)."""
    tag = uuid.uuid4().hex[:8]
    made = Report.objects.bulk_create([
        Report(name=f"Bench report {tag}-{i}", regulation="FR Y-14Q", owner=owners[i % len(owners)])
        for i in range(count)
    ])
    ReportAttribute.objects.bulk_create([
        ReportAttribute(report=r, line_number=j + 1, name=f"Attribute {j + 1}", description="A reported field", **FLAGS[j % len(FLAGS)])
        for r in made for j in range(attributes)
    ], batch_size=5000)
    return CycleReport.objects.bulk_create([
        CycleReport(cycle=cycle_, report=r, tester=testers[i % len(testers)], report_owner=owners[i % len(owners)])
        for i, r in enumerate(made)
    ])
