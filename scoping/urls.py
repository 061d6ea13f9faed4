"""Scoping's pages. The paths are linked from e-mails already sent: keep them."""
from django.urls import path

from cycles import url_converters  # noqa: F401  (registers <id:...>)

from . import views

app_name = "scoping"

urlpatterns = [
    path("cycles/<id:cycle_id>/reports/<id:report_id>/review/", views.tester_review, name="tester_review"),
    path("cycles/<id:cycle_id>/reports/<id:report_id>/approval/", views.owner_approval, name="owner_approval"),
]
