from django.urls import path

from cycles import url_converters  # noqa: F401  (registers <id:...>)
from cycles.request_limits import accepts_uploads

from . import api

urlpatterns = [
    path("cycles/", api.CycleListView.as_view(), name="api-cycles"),
    path("cycles/<id:cycle_id>/reports/", api.CycleReportsView.as_view(), name="api-cycle-reports"),
    path("cycles/<id:cycle_id>/assign", api.AssignView.as_view(), name="api-cycle-assign"),
    path("cycles/<id:cycle_id>/start", api.CycleStartView.as_view(), name="api-cycle-start"),
    path(
        "reports/<id:report_id>/attributes/import",
        accepts_uploads("CATALOGUE_MAX_BYTES")(api.CatalogueImportView.as_view()),
        name="api-catalogue-import",
    ),
]
