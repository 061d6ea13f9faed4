"""Headers (issue 9, item 4): a Content-Security-Policy with no inline
script or style, Cache-Control: no-store on every answer Django produces
(static files are whitenoise's, cached), and sessions that end
after SESSION_IDLE_TIMEOUT seconds without activity."""
from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from cycles import roles

from .clients import api_token
from .factories import UserFactory, scoped_report

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def directives(response) -> dict:
    policy = response["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in policy.split(";")) if d}


@pytest.fixture
def tester():
    return UserFactory(username="hdr-tester", role=roles.TESTER)


@pytest.fixture
def browser(tester):
    c = Client()
    c.force_login(tester)
    return c


def test_every_page_carries_a_policy_without_inline_script_or_style(browser, tester):
    cr = scoped_report(attributes=2, tester=tester)
    for answer in (
        Client().get("/accounts/login/"),
        browser.get("/tasks/"),
        browser.get(f"/cycles/{cr.cycle_id}/reports/{cr.report_id}/"),
        browser.get("/api/docs/"),
        APIClient().get("/api/tasks/"),  # a 401
    ):
        policy = directives(answer)
        assert policy["default-src"] == ["'self'"]
        assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
        assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
        assert not any("unsafe" in v for values in policy.values() for v in values)


def test_no_template_has_inline_script_style_or_handlers():
    """The policy refuses them: what the browser test would find, found early."""
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        for pattern in (r"<script(?![^>]*\bsrc=)[^>]*>", r"<style\b", r"\sstyle=", r"\son[a-z]+\s*=", r"javascript:"):
            offenders += [f"{path.relative_to(TEMPLATES)}: {m.group(0)}" for m in re.finditer(pattern, text)]
    assert not offenders, offenders


def test_pages_api_answers_and_admin_are_no_store(browser, tester):
    token = api_token(tester)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    staff = Client()
    staff.force_login(UserFactory(is_superuser=True, is_staff=True))
    answers = {
        "login page": Client().get("/accounts/login/"),
        "redirect to login": Client().get("/tasks/"),
        "inbox": browser.get("/tasks/"),
        "tokens page": browser.get("/accounts/tokens/"),
        "api tasks": api.get("/api/tasks/"),
        "api 401": APIClient().get("/api/tasks/"),
        "api schema": api.get("/api/schema/"),
        "admin": staff.get("/admin/"),
        "404": browser.get("/cycles/999999/"),
        "probe": Client().get("/healthz"),
    }
    for name, answer in answers.items():
        cache_control = {p.strip() for p in answer.get("Cache-Control", "").split(",")}
        assert "no-store" in cache_control, (name, answer.get("Cache-Control"))
        assert "private" in cache_control, name


def test_static_files_keep_their_caching():
    static = Client().get("/static/js/app.js")
    assert static.status_code == 200
    assert "no-store" not in static.get("Cache-Control", "")


def test_the_session_ends_after_the_idle_timeout_and_activity_extends_it(browser):
    assert settings.SESSION_IDLE_TIMEOUT == 9 * 3600 == settings.SESSION_COOKIE_AGE
    assert settings.SESSION_SAVE_EVERY_REQUEST
    answer = browser.get("/tasks/")
    assert answer.status_code == 200
    assert answer.cookies["sessionid"]["max-age"] == settings.SESSION_IDLE_TIMEOUT
    session = Session.objects.get()
    # Nearly idle for the whole timeout: one more request moves the end a
    # whole timeout forward again.
    Session.objects.update(expire_date=timezone.now() + timedelta(seconds=30))
    assert browser.get("/cycles/").status_code == 200
    session.refresh_from_db()
    left = (session.expire_date - timezone.now()).total_seconds()
    assert settings.SESSION_IDLE_TIMEOUT - 60 < left <= settings.SESSION_IDLE_TIMEOUT
    # Idle past the timeout: signed out.
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    gone = browser.get("/tasks/")
    assert gone.status_code == 302 and gone["Location"].startswith("/accounts/login/")


def test_token_calls_create_no_session(tester):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token(tester)}")
    answer = api.get("/api/tasks/")
    assert answer.status_code == 200 and "sessionid" not in answer.cookies
    assert not Session.objects.exists()
    signed_in = APIClient().post("/api/auth/token/", {"username": tester.username, "password": "correct-horse-battery"}, format="json")
    assert signed_in.status_code == 200 and "sessionid" not in signed_in.cookies
    assert not Session.objects.exists()
