from django.contrib import admin

from .models import CycleReport, Report, TestCycle


@admin.register(TestCycle)
class TestCycleAdmin(admin.ModelAdmin):
    list_display = ["name", "period_end", "test_manager", "human_task_due_after", "human_task_remind_every"]
    search_fields = ["name"]


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["name", "regulation", "owner", "owner_approval_policy"]
    search_fields = ["name", "regulation"]


@admin.register(CycleReport)
class CycleReportAdmin(admin.ModelAdmin):
    list_display = ["report", "cycle", "tester", "report_owner", "current_phase", "scoping_status", "workflow_id"]
    list_filter = ["cycle", "scoping_status"]
    list_select_related = ["report", "cycle", "tester", "report_owner"]
    readonly_fields = ["workflow_id", "workflow_run_id", "started_at", "completed_at", "scoping_status", "current_phase"]
