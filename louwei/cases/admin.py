"""Django admin for cases: for superusers looking into the configuration or one case. Staff use the
cases' own settings pages and queues; changes of state go through ``services`` only, so a case
is read-only here."""

from django.contrib import admin

from .models import Case, CaseEvent, CasePhoto, Category, DeadlineRule, Handler, HandlerMember


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "parent", "urgency", "handler_kind", "default_handler", "position",
                    "is_active")
    list_filter = ("is_active", "urgency", "handler_kind")
    search_fields = ("code", "name", "name_en")
    raw_id_fields = ("default_handler",)


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(admin.ModelAdmin):
    list_display = ("urgency", "respond_amount", "respond_unit", "resolve_amount", "resolve_unit")

    def has_add_permission(self, request):
        return False  # one row per urgency, seeded by the migration

    def has_delete_permission(self, request, obj=None):
        return False


class HandlerMemberInline(admin.TabularInline):
    model = HandlerMember
    extra = 0
    raw_id_fields = ("user",)
    fields = ("user", "is_manager", "started_at", "ended_at")


@admin.register(Handler)
class HandlerAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "building", "party_committee", "phone", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "building__name", "building__code")
    raw_id_fields = ("building", "party_committee", "property_company")
    inlines = [HandlerMemberInline]


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    fields = ("created_at", "kind", "actor", "actor_name", "is_public", "text", "data")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class CasePhotoInline(admin.TabularInline):
    model = CasePhoto
    extra = 0
    fields = ("image", "event", "is_public", "created_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """Read-only: every change of a case is a service call (timeline, figures, audit, notifications)."""

    list_display = ("number", "building", "floor", "category", "status", "urgency", "handler", "submitted_at",
                    "due_at", "escalation_level", "rating")
    list_filter = ("status", "urgency", "channel", "escalation_level", "rating")
    search_fields = ("number", "description", "submitter_name", "submitter_phone")
    date_hierarchy = "submitted_at"
    list_select_related = ("building", "floor", "category", "handler")
    inlines = [CaseEventInline, CasePhotoInline]
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
