"""Cache-Control: no-store on every answer Django itself produces (pages,
the API, the admin, redirects, errors, the probes), so that no browser
history, disk cache or shared proxy keeps a copy of report data. Static
files are served by whitenoise before this middleware and keep their
long-lived caching. Answers to signed-out visitors get it too: they are
only the login page, redirects and the probes (never_cache already), and
one rule is easier to trust than a list of exceptions."""
from django.utils.cache import add_never_cache_headers


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        add_never_cache_headers(response)
        return response
