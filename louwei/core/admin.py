from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit trail, read-only: nobody edits or deletes history, not even a superuser."""

    list_display = ("created_at", "actor", "verb", "target_type", "target_repr")
    list_filter = ("verb", "target_type")
    search_fields = ("verb", "target_repr", "target_id", "actor__username", "actor__name")
    date_hierarchy = "created_at"
    list_select_related = ("actor", "target_type")
    fields = ("created_at", "actor", "verb", "target_type", "target_id", "target_repr", "details")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

