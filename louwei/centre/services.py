"""State changes of the service centre (党群服务中心) and its facilities.

Keyword-only ``actor``, asked about first (BUILDING_EDIT on the centre's building, ``PermissionDenied``
otherwise), one transaction, one audit event per change, translated ``ValidationError``.
Bookings and activities will come here in later issues.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from louwei import access
from louwei.access import Action
from louwei.core.audit import record
from louwei.core.text import normalise
from louwei.core.validators import normalise_phone, validate_phone

from .models import Facility, FacilityKind, ServiceCentre

CENTRE_FIELDS = ("floor", "name", "opening_hours", "phone", "on_site_services")
FACILITY_FIELDS = ("name", "kind", "capacity", "description", "is_active")


def _clean_centre(values: dict[str, Any]) -> dict[str, Any]:
    cleaned = dict(values)
    for key in ("name", "opening_hours"):
        if key in cleaned:
            cleaned[key] = normalise(cleaned[key] or "")
    if "phone" in cleaned:
        cleaned["phone"] = normalise_phone(cleaned["phone"] or "")
    if "on_site_services" in cleaned:
        cleaned["on_site_services"] = (cleaned["on_site_services"] or "").strip()
    return cleaned


def _validate_centre(centre: ServiceCentre) -> None:
    errors: dict[str, list[str]] = {}
    if centre.floor_id and centre.floor.building_id != centre.building_id:
        errors["floor"] = [_("The service centre must be on a floor of its own building.")]
    if centre.phone:
        try:
            validate_phone(centre.phone)
        except ValidationError as exc:
            errors["phone"] = exc.messages
    try:
        centre.full_clean(exclude=["building", "floor", "phone"])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def set_up_centre(*, actor, building, floor, name: str, opening_hours: str = "", phone: str = "",
                  on_site_services: str = "") -> ServiceCentre:
    """Create the building's service centre (a building has at most one)."""
    access.require(actor, Action.BUILDING_EDIT, building)
    if ServiceCentre.objects.filter(building=building).exists():
        raise ValidationError(_("%(building)s already has a service centre.") % {"building": building})
    values = _clean_centre(
        {"name": name, "opening_hours": opening_hours, "phone": phone, "on_site_services": on_site_services}
    )
    centre = ServiceCentre(building=building, floor=floor, **values)
    _validate_centre(centre)
    centre.save()
    record(actor, "centre.created", building, centre=centre.name, floor=floor.code)
    return centre


@transaction.atomic
def update_centre(*, actor, centre: ServiceCentre, **values) -> dict[str, Any]:
    access.require(actor, Action.BUILDING_EDIT, centre.building)
    unknown = set(values) - set(CENTRE_FIELDS)
    if unknown:
        raise TypeError(f"update_centre() got unexpected fields {sorted(unknown)}")
    values = _clean_centre(values)
    changed = {}
    for field, new in values.items():
        old = getattr(centre, field)
        if old != new:
            changed[field] = {"from": getattr(old, "pk", old), "to": getattr(new, "pk", new)}
            setattr(centre, field, new)
    if not changed:
        return {}
    _validate_centre(centre)
    centre.save()
    record(actor, "centre.updated", centre.building, centre=centre.name, changes=changed)
    return changed


def _clean_facility(values: dict[str, Any]) -> dict[str, Any]:
    cleaned = dict(values)
    if "name" in cleaned:
        cleaned["name"] = normalise(cleaned["name"] or "")
    if "description" in cleaned:
        cleaned["description"] = (cleaned["description"] or "").strip()
    return cleaned


def _validate_facility(facility: Facility) -> None:
    errors: dict[str, list[str]] = {}
    try:
        facility.full_clean(exclude=["centre"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if (
        "name" not in errors
        and Facility.objects.filter(centre_id=facility.centre_id, name=facility.name).exclude(pk=facility.pk).exists()
    ):
        errors["name"] = [_("The centre already has a facility called “%(name)s”.") % {"name": facility.name}]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def add_facility(*, actor, centre: ServiceCentre, name: str, kind: str = FacilityKind.OTHER, capacity=None,
                 description: str = "", is_active: bool = True) -> Facility:
    access.require(actor, Action.BUILDING_EDIT, centre.building)
    values = _clean_facility(
        {"name": name, "kind": kind, "capacity": capacity, "description": description, "is_active": is_active}
    )
    facility = Facility(centre=centre, **values)
    _validate_facility(facility)
    facility.save()
    record(actor, "facility.added", centre.building, facility=facility.name, kind=facility.kind)
    return facility


@transaction.atomic
def update_facility(*, actor, facility: Facility, **values) -> dict[str, Any]:
    """Change a facility; ``is_active=False`` takes it out of use (kept for its history)."""
    access.require(actor, Action.BUILDING_EDIT, facility.centre.building)
    unknown = set(values) - set(FACILITY_FIELDS)
    if unknown:
        raise TypeError(f"update_facility() got unexpected fields {sorted(unknown)}")
    values = _clean_facility(values)
    before = {field: getattr(facility, field) for field in FACILITY_FIELDS}
    changed = {}
    for field, new in values.items():
        if before[field] != new:
            changed[field] = {"from": before[field], "to": new}
            setattr(facility, field, new)
    if not changed:
        return {}
    try:
        _validate_facility(facility)
    except ValidationError:
        for field, value in before.items():
            setattr(facility, field, value)
        raise
    facility.save()
    record(actor, "facility.updated", facility.centre.building, facility=facility.name, changes=changed)
    return changed
