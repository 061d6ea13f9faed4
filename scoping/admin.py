from django.contrib import admin

from cycles.admin_readonly import ReadOnlyAdmin

from .models import OwnerDecision, Recommendation, ScopingDecision, ScopingSubmission


@admin.register(Recommendation)
class RecommendationAdmin(ReadOnlyAdmin):
    list_display = ["attribute", "cycle_report", "include", "risk_score", "source"]
    list_select_related = ["attribute", "cycle_report__report", "cycle_report__cycle"]


class DecisionInline(admin.TabularInline):
    model = ScopingDecision
    extra = 0
    can_delete = False
    readonly_fields = ["attribute", "include", "rationale", "overrides_recommendation"]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ScopingSubmission)
class ScopingSubmissionAdmin(ReadOnlyAdmin):
    list_display = ["cycle_report", "version", "submitted_by", "on_behalf_of", "submitted_at", "overrides", "superseded_at"]
    list_select_related = ["cycle_report__report", "cycle_report__cycle", "submitted_by", "on_behalf_of"]
    inlines = [DecisionInline]


@admin.register(OwnerDecision)
class OwnerDecisionAdmin(ReadOnlyAdmin):
    list_display = ["cycle_report", "version", "outcome", "decided_by", "decided_at"]
    list_select_related = ["cycle_report__report", "cycle_report__cycle", "decided_by"]
