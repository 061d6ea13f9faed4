from django.urls import path

from cycles import url_converters  # noqa: F401  (registers <id:...>)

from . import agreement_api, api

CR = "cycles/<id:cycle_id>/reports/<id:report_id>"

urlpatterns = [
    path(f"{CR}/attributes", api.AttributesView.as_view(), name="api-attributes"),
    path(
        "cycles/<id:cycle_id>/recommendation-agreement",
        agreement_api.RecommendationAgreementView.as_view(),
        name="api-recommendation-agreement",
    ),
]
