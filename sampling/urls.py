"""Sample Selection's pages (linked from e-mails: keep the paths)."""
from django.urls import path

from cycles import url_converters  # noqa: F401  (registers <id:...>)

from . import views

app_name = "sampling"

urlpatterns = [
    path("cycles/<id:cycle_id>/reports/<id:report_id>/sample/", views.sample_selection, name="sample_selection"),
    path("cycles/<id:cycle_id>/reports/<id:report_id>/sample-approval/", views.sample_approval, name="sample_approval"),
]
