"""The answer to a locked-out sign-in (AXES_LOCKOUT_CALLABLE): 429 with the
time to try again, as JSON `{"detail", "retry_after", "locked_until"}` under
/api/ and as the login page elsewhere, plus a Retry-After header. The same
for every user name, known or not: it says nothing about the account."""
from __future__ import annotations

import math

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth.forms import AuthenticationForm
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone

STATUS = 429


def message(until) -> tuple[str, int]:
    seconds = max(1, math.ceil((until - timezone.now()).total_seconds()))
    minutes = math.ceil(seconds / 60)
    local = timezone.localtime(until)
    text = (
        "Sign-in is temporarily locked after too many failed attempts. "
        f"Try again after {local:%H:%M} {local.tzname()} (in about {minutes} minute{'s' if minutes != 1 else ''})."
    )
    return text, seconds


def lockout_response(request, original_response=None, credentials=None):
    until = AxesProxyHandler.get_implementation().locked_until(request, credentials)
    text, seconds = message(until)
    if request.path_info.startswith("/api/"):
        response = JsonResponse(
            {"detail": text, "retry_after": seconds, "locked_until": until.isoformat()}, status=STATUS
        )
    else:
        response = render(
            request,
            "registration/login.html",
            {"form": AuthenticationForm(request), "lockout_message": text, "next": request.POST.get("next", "")},
            status=STATUS,
        )
    response["Retry-After"] = str(seconds)
    return response
