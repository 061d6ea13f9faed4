from django.urls import URLResolver, include, path
from django.contrib.auth.decorators import login_not_required
from drf_spectacular.views import SpectacularAPIView

from accounts import api as accounts_api
from cycles import url_converters  # noqa: F401  (registers <id:...>)
from cycles.registry import registry
from reviews import api as reviews_api
from reviews import report_api
from reviews.submission_api import submission_urls

CR = "cycles/<id:cycle_id>/reports/<id:report_id>"

urlpatterns = [
    path("auth/token/", accounts_api.ObtainTokenView.as_view(), name="api-token"),
    path("auth/token/revoke", accounts_api.RevokeTokenView.as_view(), name="api-token-revoke"),
    path("auth/token/revoke-all", accounts_api.RevokeAllTokensView.as_view(), name="api-token-revoke-all"),
    path(f"{CR}/start", report_api.StartView.as_view(), name="api-start"),
    path(f"{CR}/status", report_api.StatusView.as_view(), name="api-status"),
    # Every registered human step's submission endpoint, and each phase's own.
    *submission_urls(CR),
    *(path("", include(phase.api_urls)) for phase in registry.phases() if phase.api_urls),
    path("tasks/", reviews_api.TaskListView.as_view(), name="api-tasks"),
    # Setting cycles up (issue 12): cycles, their reports, catalogues, starting a cycle.
    path("", include("cycle_setup.api_urls")),
    path("tasks/<id:task_id>/reassign", reviews_api.TaskReassignView.as_view(), name="api-task-reassign"),
    # OpenAPI 3 schema of this API (fixed URL /api/schema/); logged-in users only.
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
]



def _open_to_drf(patterns) -> None:
    """DRF authenticates inside the view (token or session) and answers
    401/403 itself; Django's login redirect must not intercept API calls."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            _open_to_drf(pattern.url_patterns)
        else:
            login_not_required(pattern.callback)


_open_to_drf(urlpatterns)
