"""API tokens that end (issue 9, item 3): they expire after API_TOKEN_TTL,
die with a password change or a deactivated account, and are revoked by
their owner (API and page) or an admin; POST /api/auth/token/ keeps its
contract, and only a hash of each token is stored."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import SecurityEvent
from cycles import roles

from .factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def obtain(user, **kwargs) -> dict:
    answer = APIClient().post("/api/auth/token/", {"username": user.username, "password": PASSWORD}, format="json", **kwargs)
    assert answer.status_code == 200, answer.content
    return answer.json()


def call(token: str | None, path="/api/tasks/", method="get"):
    client = APIClient()
    if token is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return getattr(client, method)(path)


def assert_refused(answer):
    assert answer.status_code == 401, answer.content
    assert answer["WWW-Authenticate"] == "Token"


def test_obtain_answers_the_token_and_when_it_expires():
    user = UserFactory()
    before = timezone.now()
    body = obtain(user)
    assert set(body) == {"token", "expires"}
    expires = parse_datetime(body["expires"])
    assert settings.API_TOKEN_TTL == 9 * 3600
    assert before + timedelta(seconds=settings.API_TOKEN_TTL) <= expires <= timezone.now() + timedelta(seconds=settings.API_TOKEN_TTL)
    assert call(body["token"]).status_code == 200


def test_the_token_ttl_is_a_setting(settings):
    settings.API_TOKEN_TTL = 120
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": timedelta(seconds=120)}
    expires = parse_datetime(obtain(UserFactory())["expires"])
    assert abs((expires - timezone.now()).total_seconds() - 120) < 10


def test_an_expired_token_is_refused_with_401():
    body = obtain(UserFactory())
    AuthToken.objects.update(expiry=timezone.now() - timedelta(seconds=1))
    assert_refused(call(body["token"]))
    assert not AuthToken.objects.exists()  # and cleaned away


@pytest.mark.parametrize(
    "header",
    [None, "Token", "Token nonsense", "Token " + "0" * 64, "Token a b", b"Token \xff\xfe".decode("latin-1")],
    ids=["none", "empty", "nonsense", "unknown", "spaces", "not-utf8"],
)
def test_missing_or_bad_tokens_get_401_with_www_authenticate(header):
    client = APIClient()
    if header is not None:
        client.credentials(HTTP_AUTHORIZATION=header)
    assert_refused(client.get("/api/tasks/"))


def test_only_a_hash_of_the_token_is_stored():
    token = obtain(UserFactory())["token"]
    row = AuthToken.objects.get()
    assert row.digest != token and token not in row.digest
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {AuthToken._meta.db_table}")
        assert not any(token in str(value) for value in cursor.fetchone())


def test_a_password_change_revokes_every_token():
    user = UserFactory(username="changes-password")
    tokens = [obtain(user)["token"] for _ in range(2)]
    user.set_password("a new long passphrase")
    user.save()
    for token in tokens:
        assert_refused(call(token))
    event = SecurityEvent.objects.get(kind=SecurityEvent.TOKENS_REVOKED)
    assert event.username == "changes-password" and "2 token(s)" in event.detail and "password changed" in event.detail
    assert event.actor is None


def test_a_password_changed_in_the_admin_revokes_every_token():
    user = UserFactory(username="admin-resets-me")
    token = obtain(user)["token"]
    admin = Client()
    admin.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    answer = admin.post(
        f"/admin/auth/user/{user.pk}/password/",
        {"password1": "brand new passphrase 42", "password2": "brand new passphrase 42", "usable_password": "true"},
    )
    assert answer.status_code == 302, answer.content[:500]
    assert_refused(call(token))


def test_other_saves_of_the_user_keep_the_tokens():
    user = UserFactory()
    token = obtain(user)["token"]
    user.first_name = "Renamed"
    user.save()
    obtain(user)  # a sign-in updates last_login: a save too
    assert call(token).status_code == 200
    assert not SecurityEvent.objects.exists()


def test_deactivating_the_account_revokes_every_token():
    user = UserFactory(username="leaver")
    token = obtain(user)["token"]
    user.is_active = False
    user.save()
    assert not AuthToken.objects.filter(user=user).exists()
    assert_refused(call(token))
    assert "account deactivated" in SecurityEvent.objects.get().detail


def test_revoke_the_calling_token_only():
    user = UserFactory(username="two-scripts")
    first, second = obtain(user)["token"], obtain(user)["token"]
    answer = call(first, "/api/auth/token/revoke", "post")
    assert answer.status_code == 200 and answer.json() == {"revoked": 1}
    assert_refused(call(first))
    assert call(second).status_code == 200
    event = SecurityEvent.objects.get()
    assert event.actor == user and event.username == "two-scripts"


def test_revoke_all_of_the_callers_tokens():
    user, other = UserFactory(), UserFactory()
    mine = [obtain(user)["token"] for _ in range(3)]
    theirs = obtain(other)["token"]
    answer = call(mine[0], "/api/auth/token/revoke-all", "post")
    assert answer.status_code == 200 and answer.json() == {"revoked": 3}
    for token in mine:
        assert_refused(call(token))
    assert call(theirs).status_code == 200


def test_revoke_needs_a_token_and_revoke_all_a_login():
    user = UserFactory()
    session = APIClient()
    session.force_login(user)
    obtain(user)
    refused = session.post("/api/auth/token/revoke")
    assert refused.status_code == 400 and "not made with a token" in refused.json()["detail"]
    assert session.post("/api/auth/token/revoke-all").json() == {"revoked": 1}
    assert_refused(APIClient().post("/api/auth/token/revoke"))
    assert_refused(APIClient().post("/api/auth/token/revoke-all"))


# --- the page for the signed-in user ---------------------------------------------


def test_the_tokens_page_lists_and_revokes_the_users_own_tokens():
    user = UserFactory(username="page-user", role=roles.TESTER)
    keep, drop = obtain(user)["token"], obtain(user)["token"]
    stranger_token = obtain(UserFactory())["token"]
    client = Client()
    client.force_login(user)
    inbox = client.get("/tasks/").content.decode()
    assert '<a href="/accounts/tokens/">API tokens</a>' in inbox
    page = client.get("/accounts/tokens/")
    html = page.content.decode()
    assert page.status_code == 200 and html.count(">Revoke</button>") == 2
    assert keep[:8] in html and drop[:8] in html
    assert keep not in html and drop not in html  # never the secret itself
    digest = AuthToken.objects.get(token_key=drop[:15]).digest
    answer = client.post("/accounts/tokens/", {"revoke": digest})
    assert answer.status_code == 302 and answer["Location"] == "/accounts/tokens/"
    assert_refused(call(drop))
    assert call(keep).status_code == 200
    # Someone else's token, or nonsense, is unknown here.
    stranger = AuthToken.objects.get(token_key=stranger_token[:15]).digest
    assert client.post("/accounts/tokens/", {"revoke": stranger}).status_code == 404
    assert client.post("/accounts/tokens/", {"revoke": "\x00" * 10}).status_code == 404
    assert call(stranger_token).status_code == 200
    assert client.post("/accounts/tokens/", {}).status_code == 400
    assert client.post("/accounts/tokens/", {"revoke_all": "1"}).status_code == 302
    assert_refused(call(keep))
    assert "You have no valid API tokens." in client.get("/accounts/tokens/").content.decode()


def test_the_tokens_page_needs_a_login():
    answer = Client().get("/accounts/tokens/")
    assert answer.status_code == 302 and answer["Location"].startswith("/accounts/login/")


# --- the admin ---------------------------------------------------------------------


def test_an_admin_revokes_tokens_in_the_django_admin():
    user = UserFactory(username="token-owner")
    token = obtain(user)["token"]
    admin_user = UserFactory(username="sec-admin", role=roles.ADMIN, is_staff=True)
    admin = Client()
    admin.force_login(admin_user)
    listing = admin.get("/admin/knox/authtoken/").content.decode()
    assert "token-owner" in listing and token[:8] in listing and token not in listing
    assert admin.get("/admin/knox/authtoken/add/").status_code == 403  # tokens come from the API only
    row = AuthToken.objects.get()
    answer = admin.post("/admin/knox/authtoken/", {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"})
    assert answer.status_code == 302
    assert_refused(call(token))
    event = SecurityEvent.objects.get()
    assert (event.username, event.actor) == ("token-owner", admin_user) and "revoked by an admin" in event.detail


def test_a_test_manager_sees_no_tokens_in_the_admin():
    client = Client()
    client.force_login(UserFactory(role=roles.TEST_MANAGER, is_staff=True))
    assert client.get("/admin/knox/authtoken/").status_code == 403
