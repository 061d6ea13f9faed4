"""Logged-in clients for tests: a browser session (real password login) and
a session-authenticated API client."""
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from .factories import PASSWORD


def browser(user) -> Client:
    c = Client()
    # django-axes counts sign-ins per request: authenticate() needs one.
    assert c.login(request=RequestFactory().post("/accounts/login/"), username=user.username, password=PASSWORD)
    return c


def api_token(user) -> str:
    """A fresh API token for `user`, as POST /api/auth/token/ issues it."""
    from accounts import tokens

    return tokens.issue(user)[1]


def session_api(user) -> APIClient:
    c = APIClient()
    c.force_login(user)
    return c
