"""What pages read about a building's service centre."""

from __future__ import annotations

from django.db.models import Prefetch

from .models import Facility, ServiceCentre


def centre_of(building, *, with_unused: bool = False) -> ServiceCentre | None:
    """The building's service centre with its floor and its facilities in use (``active_facilities``),
    in two queries; ``None`` if the building has none.

    ``facility_list`` holds the facilities read: those in use, or with ``with_unused`` every one,
    those out of use last (for the staff who manage them); still two queries."""
    facilities = Facility.objects.all() if with_unused else Facility.objects.filter(is_active=True)
    centre = (
        ServiceCentre.objects.filter(building=building)
        .select_related("floor")
        .prefetch_related(
            Prefetch(
                "facilities",
                queryset=facilities.order_by("-is_active", "kind", "name"),
                to_attr="facility_list",
            )
        )
        .first()
    )
    if centre is not None:
        centre.active_facilities = [f for f in centre.facility_list if f.is_active]
    return centre
