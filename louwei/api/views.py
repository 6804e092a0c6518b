"""The REST API's endpoints. Thin: each asks queries.py (which asks louwei.access) and serializes."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerSplitView
from rest_framework import viewsets

from . import filters, queries, serializers


class CodeLookupMixin:
    """Objects named by a code (XCFZ-B, XCFZ-B-05) are found whatever the case of the URL."""

    lookup_field = "code"
    lookup_value_regex = r"[A-Za-z0-9-]+"

    def get_object(self):
        self.kwargs[self.lookup_field] = self.kwargs[self.lookup_field].upper()
        return super().get_object()


class BuildingViewSet(CodeLookupMixin, viewsets.ReadOnlyModelViewSet):
    """Buildings the person may view: a district's, a committee's or property company's own, a floor
    leader's building."""

    serializer_class = serializers.BuildingSerializer
    ordering_fields = ["code", "name"]

    def get_queryset(self):
        return queries.buildings(self.request.user)


class FloorViewSet(CodeLookupMixin, viewsets.ReadOnlyModelViewSet):
    """Floors the person may view (a floor leader: their own floors)."""

    serializer_class = serializers.FloorSerializer
    filterset_class = filters.FloorFilter
    ordering_fields = ["code", "number"]

    def get_queryset(self):
        return queries.floors(self.request.user)


class EnterpriseViewSet(viewsets.ReadOnlyModelViewSet):
    """Enterprises the person may view, with the units they occupy now. ``search`` looks in the name and
    the unified social credit code."""

    filterset_class = filters.EnterpriseFilter
    search_fields = ["name", "uscc"]
    ordering_fields = ["name", "employee_count", "id"]

    def get_queryset(self):
        if self.action == "retrieve":
            return queries.enterprise_details(self.request.user)
        return queries.enterprises(self.request.user)

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.EnterpriseDetailSerializer
        return serializers.EnterpriseSerializer


class FloorLeaderViewSet(viewsets.ReadOnlyModelViewSet):
    """Serving floor leaders of the floors the person may view."""

    serializer_class = serializers.FloorLeaderSerializer
    filterset_class = filters.FloorLeaderFilter
    ordering_fields = ["started_on", "id"]

    def get_queryset(self):
        return queries.floor_leaders(self.request.user)


class SchemaView(SpectacularJSONAPIView):
    """The OpenAPI 3 description of this API."""


class SwaggerView(SpectacularSwaggerSplitView):
    """Swagger UI from the drf-spectacular-sidecar static files; its start-up script is a separate
    request, so the page needs no inline script or style (the CSP allows only 'self')."""

    template_name = "api/swagger_ui.html"
    url_name = "api:schema"
    title = _("Louwei API")
