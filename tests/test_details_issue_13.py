"""Issue 13, part 7: one date format with the time zone, a favicon, the admin
branded, demo reports with attributes of their own."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.test import Client, override_settings

from cycles.models import Report, ReportAttribute
from cycles.templatetags.plain_words import format_day, format_person, format_when

from .clients import browser
from .factories import UserFactory, scoped_report


@override_settings(TIME_ZONE="America/New_York")
def test_one_date_format_with_the_time_zone():
    moment = dt.datetime(2026, 11, 30, 23, 0, tzinfo=dt.timezone.utc)
    assert format_when(moment) == "Mon 30 Nov 2026, 18:00 EST"
    assert format_when(moment.isoformat()) == "Mon 30 Nov 2026, 18:00 EST"  # the status JSON's text
    assert format_when(dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.timezone.utc)) == "Wed 01 Jul 2026, 08:00 EDT"
    assert format_when(dt.date(2026, 9, 30)) == "Wed 30 Sep 2026"
    assert format_when(None) == "" and format_when("not a date") == "not a date"
    assert format_day(dt.date(2026, 12, 2)) == "2 Dec"


@pytest.mark.django_db
def test_people_by_name_and_pages_use_the_format():
    assert format_person(UserFactory(username="oo", first_name="Olivia", last_name="Owner")) == "Olivia Owner (oo)"
    assert format_person(UserFactory(username="plain")) == "plain"
    cr = scoped_report(attributes=1)
    with override_settings(TIME_ZONE="Europe/London"):
        page = browser(cr.tester).get(f"/cycles/{cr.cycle_id}/").content.decode()
    assert "Period end Wed 30 Sep 2026" in page


@pytest.mark.django_db
def test_favicon_on_every_page_and_before_login():
    answer = Client().get("/favicon.ico")
    assert answer.status_code == 302 and answer["Location"].endswith("favicon.svg")
    cr = scoped_report(attributes=1)
    page = browser(cr.tester).get("/tasks/").content.decode()
    assert 'rel="icon" href="/static/favicon.svg"' in page


@pytest.mark.django_db
def test_the_admin_carries_the_products_name():
    admin = UserFactory(is_superuser=True, is_staff=True)
    page = browser(admin).get("/admin/").content.decode()
    assert "RegTest cycles administration" in page and "Django administration" not in page
    assert 'rel="icon"' in page
    login = Client().get("/admin/login/").content.decode()
    assert "RegTest cycles administration" in login


@pytest.mark.django_db
def test_demo_reports_have_attributes_of_their_own(capsys, tmp_path, settings):
    settings.DEMO_LOGINS_FILE = str(tmp_path / "logins.json")
    call_command("seed_demo", "--attributes", "8", "--reports", "5", "--json")
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    names = {
        r.regulation: set(ReportAttribute.objects.filter(report=r).values_list("name", flat=True))
        for r in Report.objects.filter(pk__in=summary["report_ids"])
    }
    assert len(names) == 5
    assert "RC-C Line Item Code" in names["FFIEC 031"] and "Internal Credit Facility ID" not in names["FFIEC 031"]
    assert "Loan Number" in names["FR Y-14M"] and "Internal Credit Facility ID" in names["FR Y-14Q"]
    regs = list(names)
    for i, a in enumerate(regs):
        for b in regs[i + 1:]:
            assert len(names[a] & names[b]) <= 2, (a, b, names[a] & names[b])  # at most a date or currency in common
    for r in summary["report_ids"]:
        assert ReportAttribute.objects.filter(report_id=r, is_primary_key=True).exists()
