"""What the API reads. Every queryset starts from louwei.access; query counts do not grow with the data."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from louwei import access
from louwei.buildings.models import Building, Enterprise, EnterpriseContact, Floor, Occupancy, Unit
from louwei.buildings.queries import buildings_for
from louwei.committee.models import FloorLeader
from louwei.committee.queries import serving_leaders_qs
from louwei.core.db import count_of
from louwei.notices.models import Delivery, Relay

A = access.Action


def buildings(user) -> QuerySet[Building]:
    """The buildings ``user`` may view, with district, property company, floor and enterprise counts."""
    return buildings_for(user)


def floors(user) -> QuerySet[Floor]:
    """The floors ``user`` may view, by building and number, with unit and enterprise counts."""
    return (
        access.floors(user, A.BUILDING_VIEW)
        .select_related("building")
        .annotate(
            unit_count=count_of(Unit.objects.all(), "floor", "pk"),
            enterprise_count=count_of(Occupancy.objects.current(), "unit__floor", "enterprise"),
        )
        .order_by("building__code", "number")
    )


def _current_locations() -> Prefetch:
    return Prefetch(
        "occupancies",
        queryset=Occupancy.objects.current()
        .select_related("unit__floor__building")
        .order_by("unit__floor__building__code", "unit__floor__number", "unit__number"),
        to_attr="current_occupancies",
    )


def enterprises(user) -> QuerySet[Enterprise]:
    """The enterprises ``user`` may view, each with its current units (prefetched)."""
    return (
        access.enterprises(user, A.ENTERPRISE_VIEW)
        .prefetch_related(_current_locations())
        .order_by("name", "pk")
    )


def enterprise_details(user) -> QuerySet[Enterprise]:
    """As :func:`enterprises`, with the contacts too (their record includes them)."""
    return enterprises(user).prefetch_related(
        Prefetch("contacts", queryset=EnterpriseContact.objects.order_by("-is_primary", "name"), to_attr="contact_list")
    )


def enterprises_in_building(queryset: QuerySet[Enterprise], code: str) -> QuerySet[Enterprise]:
    return queryset.on_floors(Floor.objects.filter(building__code=code.strip().upper()))


def enterprises_on_floor(queryset: QuerySet[Enterprise], code: str) -> QuerySet[Enterprise]:
    return queryset.on_floors(Floor.objects.filter(code=code.strip().upper()))


def floor_leaders(user) -> QuerySet[FloorLeader]:
    """The serving floor leaders of the floors ``user`` may view."""
    return (
        serving_leaders_qs()
        .filter(floor__in=access.floors(user, A.BUILDING_VIEW))
        .select_related("floor__building")
        .order_by("floor__building__code", "floor__number")
    )


# --- notices ---------------------------------------------------------------------------------------


def read_state(deliveries) -> dict:
    """How many of these deliveries there are, were read and were relayed (one aggregate query)."""
    return Delivery.objects.filter(pk__in=deliveries.values("pk")).aggregate(
        reached=Count("pk"),
        read=Count("pk", filter=Q(first_read_at__isnull=False)),
        relayed=Count("pk", filter=Q(Exists(Relay.objects.filter(delivery=OuterRef("pk"))))),
    )
