"""API tokens in the Django admin: listed and revoked, never created here (the secret is shown once,
by ``create_api_token``) and never deleted (they stay on record)."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "name", "user", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("prefix", "name", "user__username", "user__name")
    list_select_related = ("user",)
    fields = ("user", "name", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        done = 0
        for token in queryset.filter(revoked_at__isnull=True):
            try:
                services.revoke_token(actor=request.user, token=token)
                done += 1
            except ValidationError:
                continue
        self.message_user(
            request, ngettext("%(n)d token revoked.", "%(n)d tokens revoked.", done) % {"n": done}, messages.SUCCESS
        )
