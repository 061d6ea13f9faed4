from django.urls import path

from cycles import url_converters  # noqa: F401  (registers <id:...>)

from . import api

CR = "cycles/<id:cycle_id>/reports/<id:report_id>"

urlpatterns = [
    path(f"{CR}/attributes", api.AttributesView.as_view(), name="api-attributes"),
]
