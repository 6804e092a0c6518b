"""What pages read about a building's service centre."""

from __future__ import annotations

from django.db.models import Prefetch

from .models import Facility, ServiceCentre


def centre_of(building) -> ServiceCentre | None:
    """The building's service centre with its floor and its facilities in use (``active_facilities``),
    in two queries; ``None`` if the building has none."""
    return (
        ServiceCentre.objects.filter(building=building)
        .select_related("floor")
        .prefetch_related(
            Prefetch(
                "facilities",
                queryset=Facility.objects.filter(is_active=True).order_by("kind", "name"),
                to_attr="active_facilities",
            )
        )
        .first()
    )
