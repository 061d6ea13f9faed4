"""Logging in and out of the pages."""
import pytest
from django.test import Client

from cycles import roles

from .factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_login_with_the_right_password_opens_the_inbox():
    user = UserFactory(username="login-ok", role=roles.TESTER)
    client = Client(enforce_csrf_checks=True)
    form = client.get("/accounts/login/")
    assert form.status_code == 200
    token = form.cookies["csrftoken"].value
    response = client.post(
        "/accounts/login/", {"username": "login-ok", "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302 and response["Location"] == "/tasks/"
    inbox = client.get("/tasks/")
    assert inbox.status_code == 200
    assert int(client.session["_auth_user_id"]) == user.pk


def test_login_returns_to_the_page_first_asked_for():
    UserFactory(username="login-next", role=roles.TESTER)
    client = Client()
    first = client.get("/cycles/")
    assert first["Location"] == "/accounts/login/?next=/cycles/"
    response = client.post(first["Location"], {"username": "login-next", "password": PASSWORD, "next": "/cycles/"})
    assert response.status_code == 302 and response["Location"] == "/cycles/"


def test_login_refuses_to_redirect_off_site():
    UserFactory(username="login-evil", role=roles.TESTER)
    response = Client().post(
        "/accounts/login/", {"username": "login-evil", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response["Location"] == "/tasks/"


@pytest.mark.parametrize("username, password", [("login-bad", "wrong password"), ("nobody", PASSWORD), ("", "")])
def test_wrong_credentials_show_an_error_and_log_no_one_in(username, password):
    UserFactory(username="login-bad", role=roles.TESTER)
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": password})
    assert response.status_code == 200
    if username:
        assert b"didn&#x27;t match" in response.content or b"didn't match" in response.content
    assert "_auth_user_id" not in client.session
    assert client.get("/tasks/").status_code == 302


def test_an_inactive_user_cannot_log_in():
    UserFactory(username="login-gone", role=roles.TESTER, is_active=False)
    client = Client()
    response = client.post("/accounts/login/", {"username": "login-gone", "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_logout_is_post_only():
    user = UserFactory(username="login-out", role=roles.TESTER)
    client = Client()
    client.force_login(user)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.get("/tasks/").status_code == 200  # a GET (a link, an image) logs no one out
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert client.get("/tasks/").status_code == 302


def test_every_page_offers_logout_as_a_form():
    user = UserFactory(username="login-form", role=roles.TESTER)
    client = Client()
    client.force_login(user)
    page = client.get("/tasks/").content.decode()
    assert '<form method="post" action="/accounts/logout/"' in page
    assert "csrfmiddlewaretoken" in page
