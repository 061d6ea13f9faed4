from django.urls import path

from cycles import url_converters  # noqa: F401  (registers <id:...>)

from . import manager_views, profile_views, report_views, views

app_name = "reviews"

urlpatterns = [
    path("tasks/", views.inbox, name="inbox"),
    path("tasks/all/", manager_views.manager_tasks, name="manager_tasks"),
    path("tasks/all/reassign-person/", manager_views.reassign_person, name="reassign_person"),
    path("tasks/<id:task_id>/reassign/", manager_views.reassign_task, name="reassign_task"),
    path("profile/", profile_views.profile, name="profile"),
    path("profile/delegations/<id:delegation_id>/end", profile_views.end_delegation, name="end_delegation"),
    path("cycles/", report_views.cycle_list, name="cycle_list"),
    path("cycles/<id:cycle_id>/", report_views.cycle_detail, name="cycle_detail"),
    path("cycles/<id:cycle_id>/audit.csv", report_views.audit_csv, name="audit_csv"),
    path("cycles/<id:cycle_id>/reports/<id:report_id>/", report_views.report_status, name="report_status"),
    path("cycles/<id:cycle_id>/reports/<id:report_id>/start", report_views.start, name="start"),
]
