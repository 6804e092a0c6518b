"""Django admin for the registry: for superusers repairing data. Staff work on the registry's own pages,
which go through the services (validation and audit trail)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Building, Enterprise, EnterpriseContact, Floor, Occupancy, PartyCommittee, PropertyCompany, Unit


@admin.register(PartyCommittee)
class PartyCommitteeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "district")
    search_fields = ("code", "name")


@admin.register(PropertyCompany)
class PropertyCompanyAdmin(admin.ModelAdmin):
    list_display = ("name", "uscc", "phone")
    search_fields = ("name", "uscc")


class FloorInline(admin.TabularInline):
    model = Floor
    extra = 0
    fields = ("number", "name", "code")
    readonly_fields = ("code",)


@admin.register(Building)
class BuildingAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "party_committee", "property_company", "is_pilot")
    list_filter = ("party_committee", "is_pilot")
    search_fields = ("code", "name")
    inlines = [FloorInline]


class UnitInline(admin.TabularInline):
    model = Unit
    extra = 0


@admin.register(Floor)
class FloorAdmin(admin.ModelAdmin):
    list_display = ("code", "building", "number", "name")
    list_filter = ("building",)
    search_fields = ("code",)
    inlines = [UnitInline]


class ContactInline(admin.TabularInline):
    model = EnterpriseContact
    extra = 0
    raw_id_fields = ("user",)


class OccupancyInline(admin.TabularInline):
    model = Occupancy
    extra = 0
    raw_id_fields = ("unit",)


@admin.register(Enterprise)
class EnterpriseAdmin(SimpleHistoryAdmin):
    list_display = ("name", "uscc", "industry", "employee_count", "party_organisation")
    list_filter = ("industry", "party_organisation")
    search_fields = ("name", "uscc")
    inlines = [ContactInline, OccupancyInline]
