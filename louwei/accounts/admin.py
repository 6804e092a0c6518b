"""Django admin for people and roles. Roles are granted and ended through the services, so the
admin leaves the same audit trail as the pages; floor-leader roles belong to the committee pages."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.contrib.auth.forms import UserCreationForm as DjangoUserCreationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from louwei.core import audit

from . import services
from .models import SCOPE_OF_ROLE, Role, RoleKind, User


class UserCreationForm(DjangoUserCreationForm):
    class Meta:
        model = User
        fields = ("username", "name", "phone")


class UserChangeForm(DjangoUserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class RoleInline(admin.TabularInline):
    model = Role
    fk_name = "user"
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ("kind", "party_committee", "building", "floor", "enterprise", "granted_at", "ended_at")
    readonly_fields = fields
    verbose_name_plural = _("roles (grant and end them under People and roles → Roles)")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Fits the custom user: one name field, a mobile number, a language preference."""

    form = UserChangeForm
    add_form = UserCreationForm
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("name", "phone", "email", "language")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "name", "phone", "password1", "password2")}),
    )
    list_display = ("username", "name", "phone", "email", "is_active", "is_staff", "last_login")
    list_filter = ("is_active", "is_staff", "is_superuser", "roles__kind")
    search_fields = ("username", "name", "phone", "email")
    ordering = ("username",)
    readonly_fields = ("last_login", "date_joined")
    inlines = [RoleInline]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change:
            audit.record(request.user, "user.admin_change", obj, changed=sorted(form.changed_data))
        else:
            audit.record(request.user, "user.create", obj, username=obj.username, name=obj.name, via="admin")


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "scope_display", "granted_at", "ended_at")
    list_filter = ("kind", ("ended_at", admin.EmptyFieldListFilter))
    search_fields = ("user__username", "user__name", "building__name", "enterprise__name", "floor__code")
    list_select_related = ("user", "party_committee", "building", "floor__building", "enterprise")
    raw_id_fields = ("user", "party_committee", "building", "floor", "enterprise")
    fields = ("user", "kind", "party_committee", "building", "floor", "enterprise", "granted_at", "ended_at")
    actions = ["end_selected_roles"]

    @admin.display(description=_("scope"))
    def scope_display(self, obj):
        return obj.scope

    def get_readonly_fields(self, request, obj=None):
        # A role is never edited: it is granted, and later ended (the action in the list).
        if obj is not None:
            return self.fields
        return ("granted_at", "ended_at")

    def has_delete_permission(self, request, obj=None):
        return False

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "kind":
            kwargs["choices"] = [(k.value, k.label) for k in RoleKind if k != RoleKind.FLOOR_LEADER]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if obj is None:
            form.base_fields["kind"].help_text = _(
                "Fill in the one scope the role is held in: the district for district staff, the building for "
                "committee and property staff, the enterprise for contacts and employees. Floor leaders are "
                "appointed on the committee page."
            )
        return form

    def save_model(self, request, obj, form, change):
        if change:  # nothing is editable on a saved role
            return
        scope = getattr(obj, SCOPE_OF_ROLE[RoleKind(obj.kind)])
        role = services.grant_role(actor=request.user, user=obj.user, kind=obj.kind, scope=scope)
        obj.pk, obj.granted_at = role.pk, role.granted_at

    @admin.action(description=_("End the selected roles"))
    def end_selected_roles(self, request, queryset):
        ended = 0
        for role in queryset.select_related("user"):
            if role.kind == RoleKind.FLOOR_LEADER:
                self.message_user(
                    request, _("%(role)s: end a floor leader's appointment on the committee page.") % {"role": role},
                    messages.WARNING,
                )
                continue
            try:
                services.end_role(actor=request.user, role=role)
            except ValidationError as exc:
                self.message_user(request, f"{role}: {' '.join(exc.messages)}", messages.WARNING)
            else:
                ended += 1
        if ended:
            self.message_user(
                request, ngettext("%(n)d role ended.", "%(n)d roles ended.", ended) % {"n": ended}, messages.SUCCESS
            )
