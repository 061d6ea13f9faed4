from django.urls import path
from cycles import url_converters  # noqa: F401  (registers <id:...>)

from . import views

app_name = "cycles"

urlpatterns = [
    path("", views.cycle_list, name="list"),
    path("<id:cycle_id>/", views.cycle_detail, name="detail"),
    path("<id:cycle_id>/audit.csv", views.audit_csv, name="audit_csv"),
    path("<id:cycle_id>/reports/<id:report_id>/", views.report_status, name="report_status"),
    path("<id:cycle_id>/reports/<id:report_id>/start", views.start, name="start"),
]
