from django.urls import path
from django.contrib.auth.decorators import login_not_required
from drf_spectacular.views import SpectacularAPIView
from rest_framework.authtoken.views import obtain_auth_token

from cycles import api
from reviews import api as reviews_api

CR = "cycles/<int:cycle_id>/reports/<int:report_id>"

urlpatterns = [
    path("auth/token/", login_not_required(obtain_auth_token), name="api-token"),
    path(f"{CR}/start", api.StartView.as_view(), name="api-start"),
    path(f"{CR}/status", api.StatusView.as_view(), name="api-status"),
    path(f"{CR}/attributes", api.AttributesView.as_view(), name="api-attributes"),
    path(f"{CR}/tester-review", api.TesterReviewView.as_view(), name="api-tester-review"),
    path(f"{CR}/report-owner-approval", api.OwnerApprovalView.as_view(), name="api-owner-approval"),
    path("tasks/", reviews_api.TaskListView.as_view(), name="api-tasks"),
    # OpenAPI 3 schema of this API (fixed URL /api/schema/); logged-in users only.
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
]

# DRF authenticates inside the view (token or session) and answers 401/403
# itself; Django's login redirect must not intercept API calls.
for pattern in urlpatterns:
    login_not_required(pattern.callback)
