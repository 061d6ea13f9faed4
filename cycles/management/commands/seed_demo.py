import json
import secrets
from datetime import date
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from cycles import roles
from cycles.demo_data import REPORTS, attributes_for
from cycles.models import CycleReport, Report, ReportAttribute, TestCycle

User = get_user_model()

# username -> (role, first name, is_staff, is_superuser)
DEMO_USERS = {
    "tester": (roles.TESTER, "Tess", False, False),
    "tester2": (roles.TESTER, "Theo", False, False),
    "owner": (roles.REPORT_OWNER, "Olivia", False, False),
    "owner2": (roles.REPORT_OWNER, "Oscar", False, False),
    "provider": (roles.DATA_PROVIDER, "Priya", False, False),
    "provider2": (roles.DATA_PROVIDER, "Pablo", False, False),
    "manager": (roles.TEST_MANAGER, "Mona", True, False),
    "admin": (roles.ADMIN, "Ada", True, True),
}


class Command(BaseCommand):
    help = "Create demo users, roles and one test cycle with K reports of N attributes."

    def add_arguments(self, parser):
        parser.add_argument("--attributes", type=int, default=25, help="attributes per report (N)")
        parser.add_argument("--reports", type=int, default=2, help="reports in the cycle (K)")
        parser.add_argument("--json", action="store_true", help="print a JSON summary as the last line")

    def handle(self, *args, **opts):
        n, k = opts["attributes"], opts["reports"]
        if not 1 <= n <= 5000:
            raise CommandError("--attributes must be between 1 and 5000")
        if not 1 <= k <= 200:
            raise CommandError("--reports must be between 1 and 200")
        passwords = self._passwords()
        with transaction.atomic():
            users = self._users(passwords)
            cycle, report_ids = self._cycle(users, n, k)
        summary = {
            "cycle_id": cycle.pk,
            "report_ids": report_ids,
            "users": {name: {"username": name, "password": passwords[name]} for name in DEMO_USERS},
        }
        if not opts["json"]:
            self.stdout.write(f"Cycle {cycle.name!r} (id {cycle.pk}) with reports {report_ids}")
            self.stdout.write("Demo logins:")
            for name in DEMO_USERS:
                self.stdout.write(f"  {name:8} password {passwords[name]}  ({DEMO_USERS[name][0]})")
        else:
            self.stdout.write(json.dumps(summary))

    def _passwords(self) -> dict:
        """Random per machine, kept in .local/ so they survive restarts; never
        in the repository."""
        stored = {}
        path = Path(settings.DEMO_LOGINS_FILE)
        if path.exists():
            stored = json.loads(path.read_text())
        changed = False
        for name in DEMO_USERS:
            if name not in stored:
                stored[name] = f"{name}-{secrets.token_urlsafe(6)}"
                changed = True
        if changed:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(stored, indent=2))
            path.chmod(0o600)
        return stored

    def _users(self, passwords) -> dict:
        groups = {name: Group.objects.get_or_create(name=name)[0] for name in roles.ALL}
        users = {}
        for name, (role, first, staff, superuser) in DEMO_USERS.items():
            user, _ = User.objects.get_or_create(username=name)
            user.first_name = first
            user.email = f"{name}@bank.example"
            user.is_staff, user.is_superuser = staff, superuser
            user.set_password(passwords[name])
            user.save()
            user.groups.add(groups[role])
            users[name] = user
        return users

    def _cycle(self, users, n, k):
        number = TestCycle.objects.count() + 1
        cycle = TestCycle.objects.create(
            name=f"Demo cycle {number}: 2026 Q3 regulatory testing",
            period_end=date(2026, 9, 30),
            test_manager=users["manager"],
        )
        report_ids = []
        for i in range(k):
            base, regulation = REPORTS[i % len(REPORTS)]
            name = base if number == 1 and i < len(REPORTS) else f"{base} [{number}.{i + 1}]"
            report = Report.objects.create(name=name, regulation=regulation, owner=users["owner"])
            ReportAttribute.objects.bulk_create(self._attributes(report, n, regulation))
            CycleReport.objects.create(
                cycle=cycle, report=report, tester=users["tester"], report_owner=users["owner"],
                data_provider=users["provider"],
            )
            report_ids.append(report.pk)
        return cycle, report_ids

    def _attributes(self, report, n, regulation=""):
        # Each report's own attributes (a call report's schedule is not a loan file).
        ATTRIBUTES = attributes_for(regulation)
        out = []
        for i in range(n):
            name, dtype, pk, cde, issues, mandatory, description = ATTRIBUTES[i % len(ATTRIBUTES)]
            suffix = "" if i < len(ATTRIBUTES) else f" ({i // len(ATTRIBUTES) + 1})"
            out.append(
                ReportAttribute(
                    report=report,
                    line_number=i + 1,
                    name=name + suffix,
                    description=description,
                    data_type=dtype,
                    is_primary_key=pk and i < len(ATTRIBUTES),
                    is_cde=cde,
                    has_historical_issues=issues,
                    is_mandatory=mandatory,
                )
            )
        return out
