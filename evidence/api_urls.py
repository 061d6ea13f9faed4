from django.urls import path

from cycles import url_converters  # noqa: F401  (registers <id:...>)
from cycles.request_limits import accepts_uploads

from . import api

CR = "cycles/<id:cycle_id>/reports/<id:report_id>"

urlpatterns = [
    path(
        f"{CR}/samples/<id:sample_id>/evidence",
        accepts_uploads("EVIDENCE_MAX_BYTES")(api.SampleEvidenceView.as_view()),
        name="api-sample-evidence",
    ),
    path(f"{CR}/evidence/<id:file_id>", api.EvidenceDownloadView.as_view(), name="api-evidence-file"),
    path(f"{CR}/test-results", api.TestResultsView.as_view(), name="api-test-results"),
]
