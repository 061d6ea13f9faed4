from django.urls import path

from cycles import url_converters  # noqa: F401  (registers <id:...>)

from . import views

app_name = "cycle_setup"

urlpatterns = [
    path("cycles/new/", views.cycle_create, name="cycle_create"),
    path("cycles/<id:cycle_id>/setup/", views.setup, name="setup"),
    path("cycles/<id:cycle_id>/setup/add", views.add, name="add"),
    path("cycles/<id:cycle_id>/setup/assign", views.bulk_assign, name="assign"),
    path("cycles/<id:cycle_id>/setup/reports/<id:report_id>/people/", views.people, name="people"),
    path("cycles/<id:cycle_id>/setup/start", views.start, name="start"),
    path("cycles/<id:cycle_id>/dashboard/", views.dashboard, name="dashboard"),
    path("cycles/<id:cycle_id>/dashboard.csv", views.dashboard_csv, name="dashboard_csv"),
    path("reports/<id:report_id>/catalogue/", views.catalogue, name="catalogue"),
    path("reports/<id:report_id>/catalogue/<id:upload_id>/confirm", views.catalogue_confirm, name="catalogue_confirm"),
]
