from django.urls import path
from cycles import url_converters  # noqa: F401  (registers <id:...>)

from . import views

app_name = "reviews"

urlpatterns = [
    path("tasks/", views.inbox, name="inbox"),
    path("tasks/all/", views.manager_tasks, name="manager_tasks"),
    path("cycles/<id:cycle_id>/reports/<id:report_id>/review/", views.tester_review, name="tester_review"),
    path("cycles/<id:cycle_id>/reports/<id:report_id>/approval/", views.owner_approval, name="owner_approval"),
]
