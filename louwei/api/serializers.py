"""How the registry looks in JSON. Read-only; the querysets come from queries.py."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from louwei.buildings.models import Building, Enterprise, EnterpriseContact, Floor, Occupancy
from louwei.committee.models import FloorLeader


class DistrictSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class BuildingSerializer(serializers.ModelSerializer):
    district = DistrictSerializer(source="party_committee", read_only=True)
    property_company = serializers.CharField(source="property_company.name", default=None, read_only=True)
    floor_count = serializers.IntegerField(read_only=True)
    enterprise_count = serializers.IntegerField(read_only=True, help_text=_("Enterprises in the building now."))

    class Meta:
        model = Building
        fields = ["code", "name", "address", "district", "property_company", "is_pilot", "floor_count",
                  "enterprise_count"]


class FloorSerializer(serializers.ModelSerializer):
    building = serializers.CharField(source="building.code", read_only=True)
    label = serializers.CharField(read_only=True)
    unit_count = serializers.IntegerField(read_only=True)
    enterprise_count = serializers.IntegerField(read_only=True, help_text=_("Enterprises on the floor now."))

    class Meta:
        model = Floor
        fields = ["code", "building", "number", "label", "name", "unit_count", "enterprise_count"]


class LocationSerializer(serializers.ModelSerializer):
    building = serializers.CharField(source="unit.floor.building.code")
    floor = serializers.CharField(source="unit.floor.code")
    unit = serializers.CharField(source="unit.number")
    since = serializers.DateField(source="started_on")

    class Meta:
        model = Occupancy
        fields = ["building", "floor", "unit", "since"]


class EnterpriseSerializer(serializers.ModelSerializer):
    industry_label = serializers.CharField(source="get_industry_display", read_only=True)
    locations = LocationSerializer(source="current_occupancies", many=True, read_only=True,
                                   help_text=_("The units the enterprise occupies now."))

    class Meta:
        model = Enterprise
        fields = ["id", "name", "uscc", "industry", "industry_label", "employee_count", "party_organisation",
                  "party_member_count", "phone", "email", "locations"]


class ContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = EnterpriseContact
        fields = ["name", "title", "phone", "email", "is_primary"]


class EnterpriseDetailSerializer(EnterpriseSerializer):
    contacts = ContactSerializer(source="contact_list", many=True, read_only=True)

    class Meta(EnterpriseSerializer.Meta):
        fields = [*EnterpriseSerializer.Meta.fields, "description", "contacts", "created_at", "updated_at"]


class EnterpriseRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class FloorLeaderSerializer(serializers.ModelSerializer):
    building = serializers.CharField(source="floor.building.code", read_only=True)
    floor = serializers.CharField(source="floor.code", read_only=True)
    floor_label = serializers.CharField(source="floor.label", read_only=True)
    name = serializers.CharField(source="user.get_full_name", read_only=True)
    enterprise = EnterpriseRefSerializer(read_only=True, allow_null=True)
    term = serializers.IntegerField(source="term.number", read_only=True)
    photo = serializers.SerializerMethodField()

    class Meta:
        model = FloorLeader
        fields = ["id", "building", "floor", "floor_label", "name", "public_phone", "enterprise",
                  "appointment_method", "term", "started_on", "photo"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_photo(self, leader) -> str | None:
        url = leader.photo_url
        if not url:
            return None
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url
