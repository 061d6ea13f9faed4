from django.urls import path
from django.contrib.auth.decorators import login_not_required
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.parsers import FormParser, MultiPartParser
from drf_spectacular.views import SpectacularAPIView

from cycles import api
from cycles import url_converters  # noqa: F401  (registers <id:...>)
from cycles.request_limits import SafeJSONParser
from reviews import api as reviews_api
from scoping import agreement_api

CR = "cycles/<id:cycle_id>/reports/<id:report_id>"

urlpatterns = [
    path("auth/token/", login_not_required(
        ObtainAuthToken.as_view(parser_classes=[FormParser, MultiPartParser, SafeJSONParser])
    ), name="api-token"),
    path(f"{CR}/start", api.StartView.as_view(), name="api-start"),
    path(f"{CR}/status", api.StatusView.as_view(), name="api-status"),
    path(f"{CR}/attributes", api.AttributesView.as_view(), name="api-attributes"),
    path(f"{CR}/tester-review", api.TesterReviewView.as_view(), name="api-tester-review"),
    path(f"{CR}/report-owner-approval", api.OwnerApprovalView.as_view(), name="api-owner-approval"),
    path("cycles/<id:cycle_id>/recommendation-agreement", agreement_api.RecommendationAgreementView.as_view(), name="api-recommendation-agreement"),
    path("tasks/", reviews_api.TaskListView.as_view(), name="api-tasks"),
    path("tasks/<id:task_id>/reassign", reviews_api.TaskReassignView.as_view(), name="api-task-reassign"),
    # OpenAPI 3 schema of this API (fixed URL /api/schema/); logged-in users only.
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
]

# DRF authenticates inside the view (token or session) and answers 401/403
# itself; Django's login redirect must not intercept API calls.
for pattern in urlpatterns:
    login_not_required(pattern.callback)
