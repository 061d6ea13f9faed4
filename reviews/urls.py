from django.urls import path

from . import views

app_name = "reviews"

urlpatterns = [
    path("tasks/", views.inbox, name="inbox"),
    path("tasks/all/", views.manager_tasks, name="manager_tasks"),
    path("cycles/<int:cycle_id>/reports/<int:report_id>/review/", views.tester_review, name="tester_review"),
    path("cycles/<int:cycle_id>/reports/<int:report_id>/approval/", views.owner_approval, name="owner_approval"),
]
