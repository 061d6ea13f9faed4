from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from cycles import views as cycle_views

urlpatterns = [
    path("", cycle_views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/", include("config.api_urls")),
    path("cycles/", include("cycles.urls")),
    path("cycles/", include("scoping.urls")),
    path("", include("reviews.urls")),
]

# Issue 6: probes (open, see config/health.py) and the API's browsable docs.
from django.contrib.auth.decorators import login_required  # noqa: E402
from drf_spectacular.views import SpectacularSwaggerView  # noqa: E402

from config import health  # noqa: E402

urlpatterns += [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    # An HTML page: anonymous visitors go to the login page like elsewhere
    # (DRF views opt out of LoginRequiredMiddleware, hence login_required).
    path("api/docs/", login_required(SpectacularSwaggerView.as_view(url_name="api-schema")), name="api-docs"),
]
