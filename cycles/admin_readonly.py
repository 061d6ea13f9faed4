from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """History (decisions, audit events, stored submissions) is shown in the
    admin but never added, edited or deleted there."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
