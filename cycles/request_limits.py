"""Refuse oversized or undecodable request bodies with a clear 4xx before
any view, form, serializer or Temporal call sees them.

Django enforces DATA_UPLOAD_MAX_MEMORY_SIZE only when form data is read
(request.POST / request.body). DRF's JSON parser reads the raw stream and
never checks it, so a 2 MB JSON review used to reach Temporal, whose own
payload limit (2 MB by default) would then fail the Update. Checking the
declared Content-Length here covers the API, the forms and the admin alike;
under WSGI the body stream is cut at that length, so it cannot be exceeded."""
from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


def _refuse(request, status: int, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def accepts_uploads(limit_setting: str):
    """Mark a view that takes file uploads: its requests may be as large as
    the setting named (read at each request), not DATA_UPLOAD_MAX_MEMORY_SIZE.
    Django streams uploaded files to disk, so memory stays bounded."""

    def mark(view):
        view.body_limit_setting = limit_setting
        return view

    return mark


class RequestBodyLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Once the view is known: an upload view declares its own limit.
        setting = getattr(view_func, "body_limit_setting", "DATA_UPLOAD_MAX_MEMORY_SIZE")
        limit = getattr(settings, setting)
        raw = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(raw)
        except ValueError:
            return _refuse(request, 400, "The Content-Length header is not a number.")
        if length < 0:
            return _refuse(request, 400, "The Content-Length header is negative.")
        if limit is not None and length > limit:
            return _refuse(
                request,
                413,
                f"The request body is {length} bytes; the limit is {limit} bytes. "
                + ("The file is too large." if setting != "DATA_UPLOAD_MAX_MEMORY_SIZE" else "Split the submission or contact an administrator."),
            )
        return None


class SafeJSONParser(JSONParser):
    """JSONParser that answers 400, not 500, to pathologically nested JSON
    (the standard library raises RecursionError, which DRF does not catch)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply") from None
