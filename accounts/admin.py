from axes.models import AccessAttempt
from django.contrib import admin, messages
from knox.models import AuthToken

from cycles.admin_readonly import ReadOnlyAdmin

from . import tokens
from .models import SecurityEvent
from .unlock import unlock


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "kind", "username", "address", "actor", "detail"]
    list_filter = ["kind"]
    list_select_related = ["actor"]
    search_fields = ["username", "address", "detail"]


# django-axes' own admin is off (AXES_ENABLE_ADMIN = False): this one
# unlocks through accounts.unlock, which leaves a SecurityEvent, and has no
# plain "delete" that would unlock without one.
@admin.register(AccessAttempt)
class SignInFailuresAdmin(ReadOnlyAdmin):
    list_display = ["attempt_time", "username", "ip_address", "failures_since_start", "path_info", "user_agent"]
    search_fields = ["username", "ip_address"]
    readonly_fields = ["username", "ip_address", "user_agent", "path_info", "failures_since_start", "attempt_time"]
    fields = readonly_fields
    actions = ["unlock_usernames", "unlock_addresses"]

    def has_unlock_permission(self, request):
        return request.user.has_perm("axes.delete_accessattempt")

    @admin.action(description="Unlock the user names of the selected rows", permissions=["unlock"])
    def unlock_usernames(self, request, queryset):
        names = sorted({a.username for a in queryset if a.username is not None})
        for name in names:
            unlock(username=name, actor=request.user, how="admin")
        self.message_user(request, f"Unlocked {len(names)} user name(s): {', '.join(names)}.", messages.SUCCESS)

    @admin.action(description="Unlock the addresses of the selected rows", permissions=["unlock"])
    def unlock_addresses(self, request, queryset):
        addresses = sorted({a.ip_address for a in queryset if a.ip_address})
        for address in addresses:
            unlock(address=address, actor=request.user, how="admin")
        self.message_user(request, f"Unlocked {len(addresses)} address(es): {', '.join(addresses)}.", messages.SUCCESS)


admin.site.unregister(AuthToken)  # knox's own admin creates tokens and deletes without a trace


@admin.register(AuthToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are listed (never their secret: only a hash is stored) and
    revoked here; they are obtained through the API only."""

    list_display = ["user", "key_start", "created", "expiry"]
    list_select_related = ["user"]
    search_fields = ["user__username", "token_key"]
    fields = ["user", "key_start", "created", "expiry"]
    readonly_fields = fields

    @admin.display(description="token starts with")
    def key_start(self, obj):
        return obj.token_key[:8] + "…"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        tokens.revoke(AuthToken.objects.filter(pk=obj.pk), reason="revoked by an admin", actor=request.user)

    def delete_queryset(self, request, queryset):
        tokens.revoke(queryset, reason="revoked by an admin", actor=request.user)
