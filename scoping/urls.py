"""Scoping's pages. The paths are linked from e-mails already sent: keep them."""
from django.urls import path

from cycles import url_converters  # noqa: F401  (registers <id:...>)

from . import agreement_views, decisions_export, ledger_views, version_views, views

app_name = "scoping"

urlpatterns = [
    path("cycles/<id:cycle_id>/reports/<id:report_id>/review/", views.tester_review, name="tester_review"),
    path("cycles/<id:cycle_id>/reports/<id:report_id>/approval/", views.owner_approval, name="owner_approval"),
    path("cycles/<id:cycle_id>/reports/<id:report_id>/scoping/versions/<id:version>/", version_views.version, name="version"),
    # Model versus people (issue 11), for test managers and admins.
    path("cycles/<id:cycle_id>/recommendation-agreement/", agreement_views.page, name="recommendation_agreement"),
    path("cycles/<id:cycle_id>/recommendation-agreement.csv", agreement_views.csv_download, name="recommendation_agreement_csv"),
    path("cycles/<id:cycle_id>/model-calls.csv", ledger_views.model_calls_csv, name="model_calls_csv"),
    # The decisions themselves, for examiners (issue 13, part 6).
    path("cycles/<id:cycle_id>/scoping-decisions.csv", decisions_export.decisions_csv, name="decisions_csv"),
    path("cycles/<id:cycle_id>/scoping-decisions.xlsx", decisions_export.decisions_xlsx, name="decisions_xlsx"),
]
