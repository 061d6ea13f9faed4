from django.contrib import admin

# The admin says which product it administers (issue 13, part 7); its pages
# carry the same name through templates/admin/base_site.html.
admin.site.site_header = "RegTest cycles administration"
admin.site.site_title = "RegTest cycles"

from .models import CycleReport, PhaseStatus, Report, ReportAttribute, TestCycle


@admin.register(TestCycle)
class TestCycleAdmin(admin.ModelAdmin):
    list_display = ["name", "period_end", "test_manager", "tasks_due_after", "reminders"]
    search_fields = ["name"]
    fieldsets = [
        (None, {"fields": ["name", "period_end", "test_manager", "sample_size_default"]}),
        (
            "Human tasks (blank: the site's defaults)",
            {"fields": [("task_due_amount", "task_due_unit"), ("reminder_amount", "reminder_unit"), "max_reminders"]},
        ),
    ]

    @admin.display(description="Tasks due after")
    def tasks_due_after(self, cycle):
        return f"{cycle.task_due_amount} {cycle.get_task_due_unit_display()}" if cycle.task_due_amount else "default"

    @admin.display(description="Reminders")
    def reminders(self, cycle):
        every = f"every {cycle.reminder_amount} {cycle.get_reminder_unit_display()}" if cycle.reminder_amount else "default"
        return every + (f", at most {cycle.max_reminders}" if cycle.max_reminders is not None else "")


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["name", "regulation", "owner", "owner_approval_policy"]
    search_fields = ["name", "regulation"]


class PhaseStatusInline(admin.TabularInline):
    model = PhaseStatus
    extra = 0
    can_delete = False
    readonly_fields = ["phase", "status", "started_at", "completed_at"]

    def has_add_permission(self, request, obj=None):
        return False  # kept by the workflow's phase activities


@admin.register(CycleReport)
class CycleReportAdmin(admin.ModelAdmin):
    list_display = ["report", "cycle", "tester", "report_owner", "data_provider", "current_phase", "workflow_id"]
    list_filter = ["cycle", "current_phase"]
    list_select_related = ["report", "cycle", "tester", "report_owner", "data_provider"]
    readonly_fields = ["workflow_id", "workflow_run_id", "started_at", "started_by", "completed_at", "current_phase"]
    inlines = [PhaseStatusInline]


@admin.register(ReportAttribute)
class ReportAttributeAdmin(admin.ModelAdmin):
    list_display = ["name", "report", "data_type", "is_primary_key", "is_cde", "has_historical_issues", "is_mandatory", "retired_at"]
    list_filter = ["report", "is_primary_key", "is_cde", ("retired_at", admin.EmptyFieldListFilter)]
    search_fields = ["name"]
    # Set by catalogue imports only (cycles.catalogue_import).
    readonly_fields = ["retired_at"]
