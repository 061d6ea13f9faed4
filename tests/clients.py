"""Logged-in clients for tests: a browser session (real password login) and
a session-authenticated API client."""
from django.test import Client
from rest_framework.test import APIClient

from .factories import PASSWORD


def browser(user) -> Client:
    c = Client()
    assert c.login(username=user.username, password=PASSWORD)
    return c


def session_api(user) -> APIClient:
    c = APIClient()
    c.force_login(user)
    return c
