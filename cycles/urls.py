from django.urls import path

from . import views

app_name = "cycles"

urlpatterns = [
    path("", views.cycle_list, name="list"),
    path("<int:cycle_id>/", views.cycle_detail, name="detail"),
    path("<int:cycle_id>/audit.csv", views.audit_csv, name="audit_csv"),
    path("<int:cycle_id>/reports/<int:report_id>/", views.report_status, name="report_status"),
    path("<int:cycle_id>/reports/<int:report_id>/start", views.start, name="start"),
]
