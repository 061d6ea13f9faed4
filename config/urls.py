from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts import views as account_views
from cycles.registry import registry
from reviews import views as review_views

urlpatterns = [
    path("", review_views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/tokens/", account_views.token_list, name="tokens"),
    path("admin/", admin.site.urls),
    path("api/", include("config.api_urls")),
    path("", include("reviews.urls")),
    # Setting cycles up (issue 12): test managers' pages and the dashboard.
    path("", include("cycle_setup.urls")),
    # Each registered phase's pages (their own paths, under /cycles/...).
    *(path("", include(phase.urls)) for phase in registry.phases() if phase.urls),
]

# Issue 6: probes (open, see config/health.py) and the API's browsable docs.
from django.contrib.auth.decorators import login_required  # noqa: E402
from drf_spectacular.views import SpectacularSwaggerSplitView  # noqa: E402

from config import health  # noqa: E402

urlpatterns += [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    # An HTML page: anonymous visitors go to the login page like elsewhere
    # (DRF views opt out of LoginRequiredMiddleware, hence login_required).
    # The split view serves its script from ?script (no inline script, for
    # the Content-Security-Policy).
    path("api/docs/", login_required(SpectacularSwaggerSplitView.as_view(url_name="api-schema")), name="api-docs"),
]

# Issue 13 (part 7): browsers ask for /favicon.ico on every page, the admin's
# included, before anyone logs in; it is the app's own icon, open to all.
# The static URL is resolved per request: at import time the production
# manifest (collectstatic) may not be there yet.
from django.contrib.auth.decorators import login_not_required  # noqa: E402
from django.http import HttpResponseRedirect  # noqa: E402
from django.templatetags.static import static  # noqa: E402


@login_not_required
def favicon(request):
    return HttpResponseRedirect(static("favicon.svg"))


urlpatterns += [path("favicon.ico", favicon, name="favicon")]
