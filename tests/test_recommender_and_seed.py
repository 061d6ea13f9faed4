import json

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.test import RequestFactory

from cycles import roles
from cycles.models import CycleReport, ReportAttribute, TestCycle
from scoping.recommenders import RuleBasedRecommender, get_recommender

pytestmark = pytest.mark.django_db


def test_rule_based_recommender_is_deterministic_and_names_its_factors():
    from .factories import scoped_report

    cr = scoped_report(attributes=6)
    attrs = list(cr.report.attributes.order_by("line_number"))
    first = RuleBasedRecommender().recommend(attrs)
    assert first == RuleBasedRecommender().recommend(attrs)
    pk, risky, plain = first[0], first[1], first[3]
    assert pk.include and "primary key" in pk.rationale
    assert risky.include and "critical data element" in risky.rationale and "historical" in risky.rationale
    assert not plain.include and plain.risk_score == 0 and "no risk factor" in plain.rationale
    assert all(0 <= s.risk_score <= 100 for s in first)
    assert isinstance(get_recommender(), RuleBasedRecommender)

User = get_user_model()


def test_seed_demo_json_contract(capsys, tmp_path, settings):
    settings.DEMO_LOGINS_FILE = str(tmp_path / "logins.json")
    call_command("seed_demo", "--attributes", "7", "--reports", "3", "--json")
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert set(summary) == {"cycle_id", "report_ids", "users"}
    assert set(summary["users"]) >= {"tester", "owner", "manager", "admin", "tester2", "owner2", "provider", "provider2"}
    assert len(summary["report_ids"]) == 3
    cycle = TestCycle.objects.get(pk=summary["cycle_id"])
    assert CycleReport.objects.filter(cycle=cycle).count() == 3
    # The demo data providers: provider provides every demo report's evidence.
    assert set(CycleReport.objects.filter(cycle=cycle).values_list("data_provider__username", flat=True)) == {"provider"}
    assert roles.has_role(User.objects.get(username="provider2"), roles.DATA_PROVIDER)
    for report_id in summary["report_ids"]:
        assert ReportAttribute.objects.filter(report_id=report_id).count() == 7
        assert ReportAttribute.objects.filter(report_id=report_id, is_primary_key=True).exists()
    for name, login in summary["users"].items():
        user = authenticate(RequestFactory().post("/accounts/login/"), username=login["username"], password=login["password"])
        assert user is not None, name
    # A second run adds a new cycle and keeps the same logins.
    call_command("seed_demo", "--json")
    again = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert again["cycle_id"] != summary["cycle_id"] and again["users"] == summary["users"]


def test_seed_demo_refuses_silly_sizes(tmp_path, settings):
    settings.DEMO_LOGINS_FILE = str(tmp_path / "logins.json")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("seed_demo", "--attributes", "0")
