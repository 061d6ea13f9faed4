"""Scoping's pages under /cycles/ (issue 11: model versus people)."""
from django.urls import path

from cycles import url_converters  # noqa: F401  (registers <id:...>)

from . import agreement_views, ledger_views

app_name = "scoping"

urlpatterns = [
    path("<id:cycle_id>/recommendation-agreement/", agreement_views.page, name="recommendation_agreement"),
    path("<id:cycle_id>/recommendation-agreement.csv", agreement_views.csv_download, name="recommendation_agreement_csv"),
    path("<id:cycle_id>/model-calls.csv", ledger_views.model_calls_csv, name="model_calls_csv"),
]
