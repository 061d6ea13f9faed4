"""Cache-Control: no-store on every answer Django itself produces (pages,
the API, the admin, redirects and errors), so that no browser history,
disk cache or shared proxy keeps a copy of report data. Static files
(served by whitenoise before this middleware) and the probes are left
alone. Answers to signed-out visitors get it too: they are only the login
page and redirects, and one rule is easier to trust than a list."""
from django.utils.cache import add_never_cache_headers

EXEMPT_PATHS = ("/healthz", "/readyz")


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path_info not in EXEMPT_PATHS:
            add_never_cache_headers(response)
        return response
