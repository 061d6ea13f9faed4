from django.urls import path

from cycles import url_converters  # noqa: F401  (registers <id:...>)
from cycles.request_limits import accepts_uploads

from . import api

CR = "cycles/<id:cycle_id>/reports/<id:report_id>"

urlpatterns = [
    path(
        f"{CR}/population",
        accepts_uploads("POPULATION_MAX_BYTES")(api.PopulationView.as_view()),
        name="api-population",
    ),
    path(f"{CR}/samples", api.SamplesView.as_view(), name="api-samples"),
]
