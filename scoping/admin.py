from django.contrib import admin

from cycles.admin_readonly import ReadOnlyAdmin

from .models import ModelCall, OwnerDecision, Recommendation, ScopingDecision, ScopingSubmission


@admin.register(Recommendation)
class RecommendationAdmin(ReadOnlyAdmin):
    list_display = ["attribute", "cycle_report", "include", "risk_score", "source", "prompt_version", "fallback_reason", "created_at"]
    list_filter = ["source"]
    list_select_related = ["attribute", "cycle_report__report", "cycle_report__cycle"]


@admin.register(ModelCall)
class ModelCallAdmin(ReadOnlyAdmin):
    """The ledger of calls to a language model, read-only. It holds no
    credential: the API key lives only in the process's settings, and any
    echo of it in an answer was redacted before the row was written."""

    list_display = [
        "started_at", "cycle_report", "attempt", "batch", "ask", "model", "prompt_version", "outcome",
        "http_status", "valid_count", "problem_count", "total_tokens", "latency_ms",
    ]
    list_filter = ["outcome", "model", "prompt_version"]
    list_select_related = ["cycle_report__report", "cycle_report__cycle"]
    search_fields = ["workflow_id", "request_sha256"]
    date_hierarchy = "started_at"


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
