from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.shortcuts import render

from cycles import roles
from cycles.admin_readonly import ReadOnlyAdmin

from . import delegations, eligibility
from .models import (
    AuditEvent,
    Delegation,
    DelegationChange,
    HumanTask,
    InboundSubmission,
    Notification,
    Reassignment,
    WorkflowMessage,
)
from .reassignment import ReassignRefused, reassign

User = get_user_model()


class ReassignForm(forms.Form):
    to = forms.ModelChoiceField(queryset=User.objects.filter(is_active=True).order_by("username"), to_field_name="username")
    reason = forms.CharField(max_length=500, widget=forms.TextInput(attrs={"size": 60}))


class ReassignmentInline(admin.TabularInline):
    model = Reassignment
    extra = 0
    can_delete = False
    readonly_fields = ["from_user", "to_user", "reason", "reassigned_by", "reassigned_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(HumanTask)
class HumanTaskAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "cycle_report", "round", "assignee", "original_assignee", "due_at", "state"]
    list_filter = ["state", "kind", "cycle_report__cycle"]
    list_select_related = ["cycle_report__report", "cycle_report__cycle", "assignee", "original_assignee"]
    search_fields = ["assignee__username", "cycle_report__report__name"]
    actions = ["reassign_tasks"]
    inlines = [ReassignmentInline]
    readonly_fields = [f.name for f in HumanTask._meta.fields]

    def has_add_permission(self, request):
        return False  # tasks are opened by the workflow only

    def has_delete_permission(self, request, obj=None):
        return False

    def has_reassign_permission(self, request):
        return roles.is_manager(request.user)

    @admin.action(description="Reassign selected open tasks…", permissions=["reassign"])
    def reassign_tasks(self, request, queryset):
        form = ReassignForm(request.POST if "apply" in request.POST else None)
        # Only people every selected task may go to (role, separation of duties).
        active = [t for t in queryset.select_related("cycle_report") if t.is_active]
        form.fields["to"].queryset = eligibility.eligible_for_all(active)
        if "apply" in request.POST and "to" in form.errors and request.POST.get("to"):
            # Someone not offered: say why, task by task, not "Select a valid choice".
            reasons = [f"Task {t.pk}: {why}" for t in active if (why := eligibility.why_not(t, request.POST["to"]))]
            if reasons:
                form.errors["to"] = form.error_class(reasons)
        if "apply" in request.POST and form.is_valid():
            done = 0
            for task in queryset:
                try:
                    reassign(task.pk, form.cleaned_data["to"].username, form.cleaned_data["reason"], request.user)
                    done += 1
                except ReassignRefused as refusal:
                    self.message_user(request, f"Task {task.pk}: {refusal}", messages.ERROR)
            if done:
                self.message_user(request, f"Reassigned {done} task(s) to {form.cleaned_data['to'].username}.", messages.SUCCESS)
            return None
        return render(
            request,
            "admin/reviews/reassign.html",
            {**self.admin_site.each_context(request), "tasks": queryset, "form": form, "opts": self.model._meta,
             "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME, "title": "Reassign tasks"},
        )


@admin.register(Delegation)
class DelegationAdmin(admin.ModelAdmin):
    list_display = ["delegator", "delegate", "starts_at", "ends_at", "reason", "created_by"]
    readonly_fields = ["created_by"]

    def save_model(self, request, obj, form, change):
        # Through the service, so the change is in the app's audit trail too.
        delegations.save(obj, request.user)

    def delete_model(self, request, obj):
        delegations.delete(obj, request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            delegations.delete(obj, request.user)


@admin.register(DelegationChange)
class DelegationChangeAdmin(ReadOnlyAdmin):
    list_display = ["at", "change", "delegator", "delegate", "starts_at", "ends_at", "changed_by"]
    list_filter = ["change"]
    list_select_related = ["delegator", "delegate", "changed_by"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "event", "cycle_report", "actor", "on_behalf_of", "workflow_id", "detail"]
    list_filter = ["event", "cycle"]
    list_select_related = ["cycle_report__report", "cycle_report__cycle", "actor", "on_behalf_of"]


@admin.register(InboundSubmission)
class InboundSubmissionAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "cycle_report", "submitted_by", "state", "response_status", "attempts"]
    list_filter = ["state", "kind"]
    list_select_related = ["cycle_report__report", "cycle_report__cycle", "submitted_by"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "event", "subject", "sent_at", "attempts", "last_error"]
    list_filter = ["event", ("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["subject"]


@admin.register(WorkflowMessage)
class WorkflowMessageAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "workflow_id", "signal", "about", "delivered_at", "attempts", "last_error"]
    list_filter = ["signal", ("delivered_at", admin.EmptyFieldListFilter)]
    search_fields = ["workflow_id", "about"]
