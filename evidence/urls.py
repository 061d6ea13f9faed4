"""The Evidence phase's pages (linked from e-mails: keep the paths)."""
from django.urls import path

from cycles import url_converters  # noqa: F401  (registers <id:...>)

from . import views

app_name = "evidence"

CR = "cycles/<id:cycle_id>/reports/<id:report_id>"

urlpatterns = [
    path(f"{CR}/evidence/", views.evidence_submission, name="evidence_submission"),
    path(f"{CR}/evidence-review/", views.evidence_review, name="evidence_review"),
    path(f"{CR}/evidence/<id:file_id>/", views.evidence_file, name="evidence_file"),
    path(f"{CR}/test-results/", views.test_results_page, name="test_results"),
    path(f"{CR}/test-results.csv", views.test_results_csv, name="test_results_csv"),
    path(f"{CR}/test-results.xlsx", views.test_results_xlsx, name="test_results_xlsx"),
]
