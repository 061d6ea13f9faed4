"""Sign-in throttling (issue 9, item 2): failed sign-ins on the login page
and on POST /api/auth/token/ lock a user name after SIGN_IN_FAILURE_LIMIT
failures from anywhere and an address after SIGN_IN_ADDRESS_FAILURE_LIMIT
failures across user names; correct sign-ins are never slowed; the answers
never tell an unknown user name from a wrong password; admins unlock."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db.models import F
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from accounts.models import SecurityEvent
from accounts.sign_in_limits import client_address
from cycles import roles

from .counting_hasher import CountingMD5PasswordHasher
from .factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

HOME = "10.0.0.1"
ELSEWHERE = "10.0.0.2"
LOCKED = "Sign-in is temporarily locked after too many failed attempts."


def api_sign_in(username, password, address=HOME, **extra):
    return APIClient(REMOTE_ADDR=address).post(
        "/api/auth/token/", {"username": username, "password": password}, format="json", **extra
    )


def page_sign_in(username, password, address=HOME):
    return Client(REMOTE_ADDR=address).post("/accounts/login/", {"username": username, "password": password})


def test_the_defaults():
    assert settings.SIGN_IN_FAILURE_LIMIT == settings.AXES_FAILURE_LIMIT == 5
    assert settings.SIGN_IN_ADDRESS_FAILURE_LIMIT == 20
    assert settings.AXES_COOLOFF_TIME == timedelta(seconds=settings.SIGN_IN_LOCKOUT) == timedelta(minutes=15)


def test_a_user_name_is_locked_after_the_limit_from_anywhere():
    user = UserFactory(username="victim")
    limit = settings.SIGN_IN_FAILURE_LIMIT
    # Failures on both doors, from several addresses, count together.
    for i in range(limit - 1):
        answer = page_sign_in("victim", f"guess-{i}", address=f"10.0.1.{i}") if i % 2 else api_sign_in("victim", f"guess-{i}", address=f"10.0.1.{i}")
        assert answer.status_code in (200, 400), answer.content
    last = api_sign_in("victim", "guess-last", address="10.0.1.99")
    assert last.status_code == 429
    body = last.json()
    assert body["detail"].startswith(LOCKED) and "Try again after" in body["detail"]
    assert 0 < body["retry_after"] <= settings.SIGN_IN_LOCKOUT
    assert last["Retry-After"] == str(body["retry_after"])
    # Now even the right password is refused, on both doors, from anywhere.
    assert api_sign_in("victim", PASSWORD, address=ELSEWHERE).status_code == 429
    page = page_sign_in("victim", PASSWORD, address=ELSEWHERE)
    assert page.status_code == 429
    assert LOCKED in page.content.decode() and "didn" not in page.content.decode()
    assert "_auth_user_id" not in page.wsgi_request.session
    # One audit row for the lock-out, not one per refused try.
    events = SecurityEvent.objects.filter(kind=SecurityEvent.LOCKOUT)
    assert [(e.username, e.address) for e in events] == [("victim", "10.0.1.99")]
    assert "user name: 5 failed sign-ins" in events[0].detail
    # Other people are not affected.
    assert api_sign_in(UserFactory(username="bystander").username, PASSWORD).status_code == 200
    assert user.auth_token_set.count() == 0


def test_the_lock_lifts_after_the_lockout_time_and_tries_while_locked_do_not_extend_it():
    UserFactory(username="patient")
    for i in range(settings.SIGN_IN_FAILURE_LIMIT):
        api_sign_in("patient", f"guess-{i}")
    first = api_sign_in("patient", PASSWORD).json()
    for _ in range(3):
        again = api_sign_in("patient", "still guessing").json()
        assert again["locked_until"] == first["locked_until"]  # retrying does not move it
    # The lock-out time passes (the failures' clock is moved back instead of sleeping).
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(seconds=settings.SIGN_IN_LOCKOUT + 1))
    assert api_sign_in("patient", PASSWORD).status_code == 200


def test_an_address_is_locked_after_failures_across_user_names():
    UserFactory(username="sprayed")
    for i in range(settings.SIGN_IN_ADDRESS_FAILURE_LIMIT):
        answer = api_sign_in(f"someone{i}", "Winter2026!", address=HOME)
        assert answer.status_code == (429 if i == settings.SIGN_IN_ADDRESS_FAILURE_LIMIT - 1 else 400)
    # Every sign-in from that address is refused, right passwords too...
    assert api_sign_in("sprayed", PASSWORD, address=HOME).status_code == 429
    assert page_sign_in("sprayed", PASSWORD, address=HOME).status_code == 429
    # ...but not from elsewhere: no single user name reached its limit.
    assert api_sign_in("sprayed", PASSWORD, address=ELSEWHERE).status_code == 200
    event = SecurityEvent.objects.get(kind=SecurityEvent.LOCKOUT)
    assert event.address == HOME and "address: 20 failed sign-ins across user names" in event.detail


def test_fifty_correct_sign_ins_in_a_row_are_never_slowed():
    user = UserFactory(username="script")
    for _ in range(50):
        answer = api_sign_in("script", PASSWORD)
        assert answer.status_code == 200, answer.content
    for _ in range(10):
        assert page_sign_in("script", PASSWORD).status_code == 302
    assert not AccessAttempt.objects.exists()
    assert not SecurityEvent.objects.exists()
    assert user.auth_token_set.count() == 50


def test_a_correct_sign_in_forgives_the_user_names_earlier_failures():
    UserFactory(username="typist")
    below = settings.SIGN_IN_FAILURE_LIMIT - 1
    for _ in range(3):  # three times as many failures as the limit, in all
        for i in range(below):
            assert api_sign_in("typist", f"typo-{i}").status_code == 400
        assert page_sign_in("typist", PASSWORD).status_code == 302
    assert api_sign_in("typist", PASSWORD).status_code == 200
    assert not SecurityEvent.objects.exists()


def test_unknown_user_and_wrong_password_get_the_same_answer_and_the_same_work(settings):
    settings.PASSWORD_HASHERS = ["tests.counting_hasher.CountingMD5PasswordHasher"]
    UserFactory(username="known")

    def hashes(call):
        before = CountingMD5PasswordHasher.calls
        answer = call()
        return answer, CountingMD5PasswordHasher.calls - before

    wrong, wrong_work = hashes(lambda: api_sign_in("known", "not the password"))
    unknown, unknown_work = hashes(lambda: api_sign_in("nobody-here", "not the password"))
    assert wrong.status_code == unknown.status_code == 400
    assert wrong.content == unknown.content
    assert wrong_work == unknown_work == 1  # the password hasher runs once either way

    wrong, wrong_work = hashes(lambda: page_sign_in("known", "not the password"))
    unknown, unknown_work = hashes(lambda: page_sign_in("nobody-here", "not the password"))
    assert wrong.status_code == unknown.status_code == 200
    assert _page(wrong, "known") == _page(unknown, "nobody-here")
    assert wrong_work == unknown_work == 1


def test_an_unknown_user_name_is_locked_out_exactly_like_a_known_one(settings):
    settings.PASSWORD_HASHERS = ["tests.counting_hasher.CountingMD5PasswordHasher"]
    UserFactory(username="real-person")
    answers = {}
    for name, address in (("real-person", "10.0.2.1"), ("made-up-name", "10.0.2.2")):
        for i in range(settings.SIGN_IN_FAILURE_LIMIT):
            api_sign_in(name, f"guess-{i}", address=address)
        before = CountingMD5PasswordHasher.calls
        answers[name] = (api_sign_in(name, PASSWORD, address=address), page_sign_in(name, PASSWORD, address=address))
        assert CountingMD5PasswordHasher.calls == before  # refused before any password check
    (api_known, page_known), (api_unknown, page_unknown) = answers["real-person"], answers["made-up-name"]
    assert api_known.status_code == api_unknown.status_code == page_known.status_code == page_unknown.status_code == 429
    assert _times_out(api_known.json()) == _times_out(api_unknown.json())
    assert _times_out(_page(page_known, "real-person")) == _times_out(_page(page_unknown, "made-up-name"))
    assert SecurityEvent.objects.filter(kind=SecurityEvent.LOCKOUT).count() == 2


def _page(response, username) -> str:
    """The page without what differs by request anyway (the CSRF token)."""
    html = response.content.decode()
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html).replace(username, "<name>")


def _times_out(answer):
    """The answer without the clock: the two lock-outs happen moments apart."""
    text = answer if isinstance(answer, str) else repr(sorted(answer.items()))
    return re.sub(r"\d", "0", text)


def test_the_token_endpoint_still_takes_a_form_and_refuses_over_long_user_names():
    UserFactory(username="formuser")
    form = APIClient(REMOTE_ADDR=HOME).post("/api/auth/token/", {"username": "formuser", "password": PASSWORD})
    assert form.status_code == 200 and form.json()["token"]
    long_name = api_sign_in("x" * 151, "whatever")
    assert long_name.status_code == 400 and "username" in long_name.json()
    assert not AccessAttempt.objects.exists()  # refused before it could be counted


# --- unlocking ------------------------------------------------------------------


def _lock(username, address=HOME):
    for i in range(settings.SIGN_IN_FAILURE_LIMIT):
        api_sign_in(username, f"guess-{i}", address=address)
    assert api_sign_in(username, PASSWORD, address=address).status_code == 429


def test_an_admin_unlocks_a_user_name_in_the_admin():
    UserFactory(username="forgetful")
    _lock("forgetful")
    admin = UserFactory(username="sec-admin", role=roles.ADMIN, is_staff=True)
    client = Client()
    client.force_login(admin)
    listing = client.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and "forgetful" in listing.content.decode()
    assert "Unlock the user names of the selected rows" in listing.content.decode()
    rows = AccessAttempt.objects.filter(username="forgetful")
    answer = client.post(
        "/admin/axes/accessattempt/",
        {"action": "unlock_usernames", "_selected_action": [str(pk) for pk in rows.values_list("pk", flat=True)]},
    )
    assert answer.status_code == 302
    assert api_sign_in("forgetful", PASSWORD).status_code == 200
    event = SecurityEvent.objects.get(kind=SecurityEvent.UNLOCK)
    assert (event.username, event.actor) == ("forgetful", admin) and "admin" in event.detail
    # The events are there for admins to read, and only to read.
    events = client.get("/admin/accounts/securityevent/")
    assert events.status_code == 200 and "sign-in unlocked" in events.content.decode()
    assert client.get("/admin/accounts/securityevent/add/").status_code == 403
    assert client.get(f"/admin/accounts/securityevent/{event.pk}/delete/").status_code == 403


def test_no_plain_delete_of_attempts_in_the_admin():
    _lock("someone")
    client = Client()
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    row = AccessAttempt.objects.first()
    assert client.get(f"/admin/axes/accessattempt/{row.pk}/delete/").status_code == 403
    assert "delete_selected" not in client.get("/admin/axes/accessattempt/").content.decode()


def test_a_test_manager_cannot_unlock():
    _lock("someone")
    manager = UserFactory(username="mgr", role=roles.TEST_MANAGER, is_staff=True)
    client = Client()
    client.force_login(manager)
    assert client.get("/admin/axes/accessattempt/").status_code == 403
    assert client.get("/admin/accounts/securityevent/").status_code == 403


def test_unlock_sign_in_command(capsys):
    UserFactory(username="cli-user")
    _lock("cli-user")
    for i in range(settings.SIGN_IN_ADDRESS_FAILURE_LIMIT):
        api_sign_in(f"spray{i}", "x", address=ELSEWHERE)
    assert api_sign_in("cli-user", PASSWORD, address=ELSEWHERE).status_code == 429
    call_command("unlock_sign_in", "--username", "cli-user", "--address", ELSEWHERE)
    assert "Unlocked user name 'cli-user' and address 10.0.0.2" in capsys.readouterr().out
    assert api_sign_in("cli-user", PASSWORD, address=ELSEWHERE).status_code == 200
    assert SecurityEvent.objects.filter(kind=SecurityEvent.UNLOCK).count() == 2
    with pytest.raises(Exception, match="Give --username, --address or both"):
        call_command("unlock_sign_in")
    with pytest.raises(Exception, match="Not an IP address"):
        call_command("unlock_sign_in", "--address", "not-an-address")


# --- the address behind reverse proxies ------------------------------------------


def test_the_client_address_behind_trusted_proxies(settings):
    factory = RequestFactory()
    request = factory.post("/", REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR="203.0.113.7, 198.51.100.4")
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_address(request) == "192.0.2.10"  # no proxy: the header is the client's own words
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_address(request) == "198.51.100.4"  # what our proxy appended, not what the client sent
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_address(request) == "203.0.113.7"
    settings.TRUSTED_PROXY_COUNT = 3
    assert client_address(request) == "192.0.2.10"  # fewer hops than proxies: not trusted
    bad = factory.post("/", REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR="not-an-ip")
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_address(bad) == "192.0.2.10"


def test_behind_a_proxy_each_client_is_counted_on_its_own(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    UserFactory(username="behind-proxy")

    def via_proxy(username, password, client_ip):
        return APIClient(REMOTE_ADDR="192.0.2.1").post(
            "/api/auth/token/", {"username": username, "password": password}, format="json",
            HTTP_X_FORWARDED_FOR=client_ip,
        )

    for i in range(settings.SIGN_IN_ADDRESS_FAILURE_LIMIT):
        via_proxy(f"spray{i}", "x", "203.0.113.66")
    assert via_proxy("behind-proxy", PASSWORD, "203.0.113.66").status_code == 429
    assert via_proxy("behind-proxy", PASSWORD, "203.0.113.67").status_code == 200
