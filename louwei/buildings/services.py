"""State changes of the building registry: one function per user action.

Every function takes a keyword-only ``actor`` (the person acting, or ``access.SYSTEM``), asks
``louwei.access`` before it changes anything (``PermissionDenied``: BUILDING_EDIT for the building's
floors and units, ENTERPRISE_CREATE, ENTERPRISE_EDIT for an enterprise and its contacts,
OCCUPANCY_MANAGE for moves), runs in one transaction, validates its input (raising ``ValidationError`` with translated
messages, keyed by field name where a field is at fault) and writes one audit event per change.

Enterprise, contact and occupancy changes are audited on the enterprise, so that
``louwei.core.audit.history_of(enterprise)`` tells the whole story of one company.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from louwei import access
from louwei.access import Action
from louwei.accounts.models import Role, RoleKind
from louwei.accounts.services import end_role
from louwei.core.audit import record
from louwei.core.text import compact, normalise
from louwei.core.validators import normalise_phone, normalise_uscc

from . import signals
from .models import (
    Building,
    Enterprise,
    EnterpriseContact,
    Floor,
    Occupancy,
    PartyOrganisation,
    PropertyCompany,
    Unit,
)

ENTERPRISE_FIELDS = (
    "name",
    "uscc",
    "industry",
    "employee_count",
    "party_organisation",
    "party_member_count",
    "phone",
    "email",
    "description",
)
CONTACT_FIELDS = ("name", "title", "phone", "email", "is_primary", "user")
BUILDING_FIELDS = ("name", "address", "property_company", "is_pilot")


# ----------------------------------------------------------------------------------------------
# Normalising and checking


def normalise_unit_number(value) -> str:
    """Unit numbers as people type them: full-width folded, no spaces, capitals (``0501``, ``A-12``)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return compact(value).upper()


def _clean_enterprise_values(values: dict[str, Any]) -> dict[str, Any]:
    cleaned = dict(values)
    if "name" in cleaned:
        cleaned["name"] = normalise(cleaned["name"])
    if "uscc" in cleaned:
        cleaned["uscc"] = normalise_uscc(cleaned["uscc"])
    if "industry" in cleaned:
        cleaned["industry"] = compact(cleaned["industry"]).upper()
    if "phone" in cleaned:
        cleaned["phone"] = normalise_phone(cleaned["phone"] or "")
    if "email" in cleaned:
        cleaned["email"] = compact(cleaned["email"] or "")
    if "description" in cleaned:
        cleaned["description"] = (cleaned["description"] or "").strip()
    for key in ("employee_count", "party_member_count"):
        if key in cleaned and cleaned[key] in (None, ""):
            cleaned[key] = 0
    return cleaned


def check_party_members(employee_count: int, party_member_count: int) -> None:
    """Party members cannot outnumber employees (an employee count of 0 means "not known")."""
    if employee_count and party_member_count > employee_count:
        raise ValidationError(
            {
                "party_member_count": ValidationError(
                    _("Party members (%(members)d) cannot outnumber employees (%(employees)d)."),
                    code="party_members",
                    params={"members": party_member_count, "employees": employee_count},
                )
            }
        )


def _validate_enterprise(enterprise: Enterprise, check_unique: bool = True) -> None:
    errors: dict[str, list] = {}
    try:
        check_party_members(enterprise.employee_count or 0, enterprise.party_member_count or 0)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        enterprise.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if (
        check_unique
        and "uscc" not in errors
        and Enterprise.objects.filter(uscc=enterprise.uscc).exclude(pk=enterprise.pk).exists()
    ):
        errors["uscc"] = [_uscc_taken_message(enterprise.uscc)]
    if errors:
        raise ValidationError(errors)


def _uscc_taken_message(uscc: str) -> str:
    other = Enterprise.objects.filter(uscc=uscc).values_list("name", flat=True).first()
    return _("This unified social credit code is already registered to “%(name)s”.") % {"name": other or uscc}


def _changes(obj, values: dict[str, Any], fields) -> dict[str, tuple[Any, Any]]:
    """Set ``values`` on ``obj``; return ``{field: (old, new)}`` for the fields that differ."""
    changed = {}
    for field in fields:
        if field not in values:
            continue
        new = values[field]
        old = getattr(obj, field)
        if old != new:
            changed[field] = (old, new)
            setattr(obj, field, new)
    return changed


def _audit_changes(changed: dict[str, tuple[Any, Any]]) -> dict[str, dict[str, Any]]:
    def show(value):
        return value.pk if hasattr(value, "pk") else value

    return {field: {"from": show(old), "to": show(new)} for field, (old, new) in changed.items()}


# The audit events of the registry's changes, as ``(verb, target, details)``: the functions below
# record them one at a time, the roster import many at once (``audit.record_many``).
Event = tuple[str, Any, dict[str, Any]]


def unit_created_event(unit: Unit) -> Event:
    return "unit.created", unit.floor.building, {"floor": unit.floor.code, "unit": unit.number}


def enterprise_created_event(enterprise: Enterprise) -> Event:
    return "enterprise.created", enterprise, {"uscc": enterprise.uscc}


def enterprise_updated_event(enterprise: Enterprise, changed: dict[str, tuple[Any, Any]]) -> Event:
    return "enterprise.updated", enterprise, {"changes": _audit_changes(changed)}


def contact_added_event(contact: EnterpriseContact) -> Event:
    return "contact.added", contact.enterprise, {"contact": contact.name, "primary": contact.is_primary}


def contact_updated_event(contact: EnterpriseContact, changed: dict[str, tuple[Any, Any]]) -> Event:
    return "contact.updated", contact.enterprise, {"contact": contact.name, "changes": _audit_changes(changed)}


def moved_in_event(occupancy: Occupancy) -> Event:
    unit = occupancy.unit
    return "occupancy.moved_in", occupancy.enterprise, {
        "building": unit.floor.building.code,
        "floor": unit.floor.code,
        "unit": unit.number,
        "started_on": occupancy.started_on,
    }


def move_in_date_changed_event(occupancy: Occupancy, old: datetime.date) -> Event:
    return "occupancy.updated", occupancy.enterprise, {
        "unit": occupancy.unit.number,
        "changes": {"started_on": {"from": old, "to": occupancy.started_on}},
    }


def _record(actor, event: Event) -> None:
    verb, target, details = event
    record(actor, verb, target, **details)


# ----------------------------------------------------------------------------------------------
# Buildings, floors, units


@transaction.atomic
def update_building(*, actor, building: Building, **values) -> dict[str, tuple[Any, Any]]:
    """Change a building's name, address, property company or pilot flag. Returns what changed."""
    access.require(actor, Action.BUILDING_EDIT, building)
    unknown = set(values) - set(BUILDING_FIELDS)
    if unknown:
        raise TypeError(f"update_building() got unexpected fields {sorted(unknown)}")
    if "name" in values:
        values["name"] = normalise(values["name"])
    if "address" in values:
        values["address"] = normalise(values["address"] or "")
    company = values.get("property_company")
    if company is not None and not isinstance(company, PropertyCompany):
        raise TypeError("property_company must be a PropertyCompany or None")
    changed = _changes(building, values, BUILDING_FIELDS)
    if not changed:
        return {}
    building.full_clean()
    building.save()
    record(actor, "building.updated", building, changes=_audit_changes(changed))
    return changed


@transaction.atomic
def create_floor(*, actor, building: Building, number: int, name: str = "") -> Floor:
    access.require(actor, Action.BUILDING_EDIT, building)
    if Floor.objects.filter(building=building, number=number).exists():
        raise ValidationError(
            {"number": _("%(building)s already has a floor %(number)d.") % {"building": building, "number": number}}
        )
    floor = Floor(building=building, number=number, name=normalise(name))
    floor.code = building.floor_code(number)
    floor.full_clean(exclude=["code"])
    floor.save()
    record(actor, "floor.created", building, floor=floor.code)
    return floor


def _unit_taken(number: str) -> ValidationError:
    return ValidationError(
        {"unit_number": _("This floor already has a unit %(number)s.") % {"number": number}}, code="unit_taken"
    )


def _check_unit(unit: Unit) -> None:
    try:
        unit.full_clean(exclude=["floor"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        errors = exc.message_dict
        if "number" in errors:
            errors["unit_number"] = errors.pop("number")
        raise ValidationError(errors) from exc
    if unit.area is not None and unit.area < 0:
        raise ValidationError({"area": _("The area cannot be negative.")})


def _create_unit(*, actor, floor: Floor, number: str, area=None) -> Unit:
    """Callers check that the number is free; one taken since is refused by the database and
    reported as a ``ValidationError`` on ``unit_number``."""
    number = normalise_unit_number(number)
    if not number:
        raise ValidationError({"unit_number": _("Give the unit number.")})
    unit = Unit(floor=floor, number=number, area=area)
    _check_unit(unit)
    try:
        with transaction.atomic():
            unit.save()
    except IntegrityError as exc:
        if not Unit.objects.filter(floor=floor, number=number).exists():
            raise
        raise _unit_taken(number) from exc
    _record(actor, unit_created_event(unit))
    return unit


@transaction.atomic
def create_unit(*, actor, floor: Floor, number: str, area=None) -> Unit:
    access.require(actor, Action.BUILDING_EDIT, floor.building)
    if Unit.objects.filter(floor=floor, number=normalise_unit_number(number)).exists():
        raise _unit_taken(normalise_unit_number(number))
    return _create_unit(actor=actor, floor=floor, number=number, area=area)


MAX_UNITS_AT_ONCE = 200


@transaction.atomic
def create_units(*, actor, floor: Floor, numbers, area=None) -> list[Unit]:
    """Add several units to ``floor`` at once (all or none); one audit event per unit."""
    access.require(actor, Action.BUILDING_EDIT, floor.building)
    cleaned: list[str] = []
    for number in numbers:
        number = normalise_unit_number(number)
        if number and number not in cleaned:
            cleaned.append(number)
    if not cleaned:
        raise ValidationError({"unit_number": _("Give the unit number.")})
    if len(cleaned) > MAX_UNITS_AT_ONCE:
        raise ValidationError(
            {"unit_number": _("At most %(max)d units at once.") % {"max": MAX_UNITS_AT_ONCE}}
        )
    taken = sorted(Unit.objects.filter(floor=floor, number__in=cleaned).values_list("number", flat=True))
    if taken:
        raise ValidationError(
            {
                "unit_number": _("%(floor)s already has: %(units)s.")
                % {"floor": floor.label, "units": ", ".join(taken)}
            }
        )
    return [_create_unit(actor=actor, floor=floor, number=number, area=area) for number in cleaned]


@transaction.atomic
def update_unit(*, actor, unit: Unit, **values) -> dict[str, tuple[Any, Any]]:
    """Rename a unit (``number``) or change its ``area``. Returns what changed."""
    access.require(actor, Action.BUILDING_EDIT, unit.floor.building)
    unknown = set(values) - {"number", "area"}
    if unknown:
        raise TypeError(f"update_unit() got unexpected fields {sorted(unknown)}")
    if "number" in values:
        values["number"] = normalise_unit_number(values["number"])
        if not values["number"]:
            raise ValidationError({"unit_number": _("Give the unit number.")})
    before = {"number": unit.number, "area": unit.area}
    changed = _changes(unit, values, ("number", "area"))
    if not changed:
        return {}
    try:
        _check_unit(unit)
        if "number" in changed and Unit.objects.filter(floor_id=unit.floor_id, number=unit.number).exclude(
            pk=unit.pk
        ).exists():
            raise _unit_taken(unit.number)
        try:
            with transaction.atomic():
                unit.save(update_fields=list(changed))
        except IntegrityError as exc:
            raise _unit_taken(unit.number) from exc
    except ValidationError:
        for field, value in before.items():
            setattr(unit, field, value)
        raise
    record(
        actor, "unit.updated", unit.floor.building, floor=unit.floor.code, unit=unit.number,
        changes=_audit_changes(changed),
    )
    return changed


def find_or_create_unit(*, actor, floor: Floor, number: str) -> tuple[Unit, bool]:
    """The unit ``number`` on ``floor``, created if the floor does not have it yet."""
    access.require(actor, Action.BUILDING_EDIT, floor.building)
    return _find_or_create_unit(actor=actor, floor=floor, number=number)


def _find_or_create_unit(*, actor, floor: Floor, number: str) -> tuple[Unit, bool]:
    """Unguarded: a move-in (OCCUPANCY_MANAGE) creates the unit it names."""
    number = normalise_unit_number(number)
    unit = Unit.objects.filter(floor=floor, number=number).first()
    if unit is not None:
        return unit, False
    try:
        return _create_unit(actor=actor, floor=floor, number=number), True
    except ValidationError:
        unit = Unit.objects.filter(floor=floor, number=number).first()  # created meanwhile by someone else
        if unit is None:
            raise
        return unit, False


# ----------------------------------------------------------------------------------------------
# Enterprises


def _create_enterprise(*, actor, values: dict[str, Any], known_new: bool = False) -> Enterprise:
    """``known_new``: the caller has just checked that the code is not registered, so the check is
    not repeated; a code registered since then is still refused by the database and
    reported as a ``ValidationError`` on ``uscc``."""
    values = _clean_enterprise_values(values)
    enterprise = Enterprise(**{k: v for k, v in values.items() if k in ENTERPRISE_FIELDS})
    _validate_enterprise(enterprise, check_unique=not known_new)
    try:
        # A savepoint: a concurrent registration of the same code (or, with ``known_new``, one the
        # caller's check could not see) fails this insert alone, and the caller's transaction stays usable.
        with transaction.atomic():
            enterprise.save()
    except IntegrityError as exc:
        if not Enterprise.objects.filter(uscc=enterprise.uscc).exists():
            raise
        raise ValidationError({"uscc": _uscc_taken_message(enterprise.uscc)}) from exc
    _record(actor, enterprise_created_event(enterprise))
    return enterprise


@transaction.atomic
def create_enterprise(
    *,
    actor,
    name: str,
    uscc: str,
    industry: str,
    employee_count: int = 0,
    party_organisation: str = PartyOrganisation.NONE,
    party_member_count: int = 0,
    phone: str = "",
    email: str = "",
    description: str = "",
    floor: Floor | None = None,
    unit_number: str = "",
    moved_in_on: datetime.date | None = None,
    building: Building | None = None,
) -> Enterprise:
    """Register an enterprise; with ``floor`` and ``unit_number`` it also moves in there.

    ``actor`` needs ENTERPRISE_CREATE on the floor's building (or on ``building``, the registry page
    it is registered from); an enterprise registered nowhere is an administrator's."""
    where = floor.building if floor is not None else building
    if where is None:
        access.require_administrator(actor)
    else:
        access.require(actor, Action.ENTERPRISE_CREATE, where)
    enterprise = _create_enterprise(
        actor=actor,
        values={
            "name": name,
            "uscc": uscc,
            "industry": industry,
            "employee_count": employee_count,
            "party_organisation": party_organisation,
            "party_member_count": party_member_count,
            "phone": phone,
            "email": email,
            "description": description,
        },
    )
    if floor is not None:
        move_in(actor=actor, enterprise=enterprise, floor=floor, unit_number=unit_number, started_on=moved_in_on)
    return enterprise


def _update_enterprise(*, actor, enterprise: Enterprise, values: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    unknown = set(values) - set(ENTERPRISE_FIELDS)
    if unknown:
        raise TypeError(f"update_enterprise() got unexpected fields {sorted(unknown)}")
    values = _clean_enterprise_values(values)
    before = {field: getattr(enterprise, field) for field in ENTERPRISE_FIELDS}
    changed = _changes(enterprise, values, ENTERPRISE_FIELDS)
    if not changed:
        return {}
    try:
        _validate_enterprise(enterprise)
    except ValidationError:
        for field, value in before.items():
            setattr(enterprise, field, value)
        raise
    try:
        with transaction.atomic():
            enterprise.save()
    except IntegrityError as exc:
        raise ValidationError({"uscc": _uscc_taken_message(enterprise.uscc)}) from exc
    _record(actor, enterprise_updated_event(enterprise, changed))
    return changed


@transaction.atomic
def update_enterprise(*, actor, enterprise: Enterprise, **values) -> dict[str, tuple[Any, Any]]:
    """Change an enterprise's record. Returns ``{field: (old, new)}``; nothing is written if nothing differs."""
    access.require(actor, Action.ENTERPRISE_EDIT, enterprise)
    return _update_enterprise(actor=actor, enterprise=enterprise, values=values)


# ----------------------------------------------------------------------------------------------
# Contacts


def _clean_contact_values(values: dict[str, Any]) -> dict[str, Any]:
    cleaned = dict(values)
    for key in ("name", "title"):
        if key in cleaned:
            cleaned[key] = normalise(cleaned[key] or "")
    if "phone" in cleaned:
        cleaned["phone"] = normalise_phone(cleaned["phone"] or "")
    if "email" in cleaned:
        cleaned["email"] = compact(cleaned["email"] or "")
    return cleaned


def _validate_contact(contact: EnterpriseContact) -> None:
    errors: dict[str, list[str]] = {}
    try:
        contact.full_clean(exclude=["enterprise", "user"], validate_constraints=False)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if not contact.phone and not contact.email and "phone" not in errors:
        errors.setdefault("phone", []).append(_("Give a phone number or an e-mail address to reach this contact."))
    if errors:
        raise ValidationError(errors)


def _make_primary(contact: EnterpriseContact) -> None:
    EnterpriseContact.objects.filter(enterprise_id=contact.enterprise_id, is_primary=True).exclude(
        pk=contact.pk
    ).update(is_primary=False)


def _add_contact(
    *, actor, enterprise: Enterprise, values: dict[str, Any], has_primary: bool | None = None
) -> EnterpriseContact:
    """``has_primary``: whether the enterprise has a main contact, when the caller knows."""
    values = _clean_contact_values(values)
    is_primary = bool(values.pop("is_primary", False))
    if has_primary is None:
        has_primary = EnterpriseContact.objects.filter(enterprise=enterprise, is_primary=True).exists()
    contact = EnterpriseContact(enterprise=enterprise, **values)
    contact.is_primary = is_primary or not has_primary
    _validate_contact(contact)
    if contact.is_primary and has_primary:
        _make_primary(contact)
    contact.save()
    _record(actor, contact_added_event(contact))
    return contact


@transaction.atomic
def add_contact(
    *,
    actor,
    enterprise: Enterprise,
    name: str,
    title: str = "",
    phone: str = "",
    email: str = "",
    is_primary: bool = False,
    user=None,
) -> EnterpriseContact:
    """Add a contact. The first contact of an enterprise becomes its main contact; there is only one."""
    access.require(actor, Action.ENTERPRISE_EDIT, enterprise)
    return _add_contact(
        actor=actor,
        enterprise=enterprise,
        values={"name": name, "title": title, "phone": phone, "email": email, "is_primary": is_primary, "user": user},
    )


def _update_contact(*, actor, contact: EnterpriseContact, values: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    unknown = set(values) - set(CONTACT_FIELDS)
    if unknown:
        raise TypeError(f"update_contact() got unexpected fields {sorted(unknown)}")
    values = _clean_contact_values(values)
    if values.get("is_primary") is False and contact.is_primary:
        values.pop("is_primary")  # the main contact stays main until another one is made main
    before = {field: getattr(contact, field) for field in CONTACT_FIELDS}
    changed = _changes(contact, values, CONTACT_FIELDS)
    if not changed:
        return {}
    try:
        _validate_contact(contact)
    except ValidationError:
        for field, value in before.items():
            setattr(contact, field, value)
        raise
    if contact.is_primary:
        _make_primary(contact)
    contact.save()
    _record(actor, contact_updated_event(contact, changed))
    return changed


@transaction.atomic
def update_contact(*, actor, contact: EnterpriseContact, **values) -> dict[str, tuple[Any, Any]]:
    """Change a contact; ``is_primary=True`` makes it the main contact (the previous one stops being main)."""
    access.require(actor, Action.ENTERPRISE_EDIT, contact.enterprise)
    return _update_contact(actor=actor, contact=contact, values=values)


@transaction.atomic
def remove_contact(*, actor, contact: EnterpriseContact) -> None:
    """Remove a contact. If it was the main contact, the longest-standing other contact becomes main.

    If the contact has a login that holds the enterprise-contact role of this enterprise, and no other
    contact card of the enterprise is theirs, the role ends too: the person no longer speaks for it.
    """
    enterprise = contact.enterprise
    access.require(actor, Action.ENTERPRISE_EDIT, enterprise)
    was_primary = contact.is_primary
    name = contact.name
    login_id = contact.user_id
    contact.delete()
    if (
        login_id is not None
        and not EnterpriseContact.objects.filter(enterprise=enterprise, user_id=login_id).exists()
    ):
        roles = Role.objects.active().filter(
            user_id=login_id, kind=RoleKind.ENTERPRISE_CONTACT, enterprise=enterprise
        ).select_related("user")
        for role in roles:
            end_role(actor=actor, role=role)
    successor = None
    if was_primary:
        successor = EnterpriseContact.objects.filter(enterprise=enterprise).order_by("pk").first()
        if successor is not None:
            successor.is_primary = True
            successor.save(update_fields=["is_primary"])
    record(
        actor, "contact.removed", enterprise, contact=name, new_primary=successor.name if successor else None
    )


# ----------------------------------------------------------------------------------------------
# Move-in and move-out


def already_occupies(enterprise: Enterprise, unit: Unit) -> ValidationError:
    return ValidationError(
        {"unit_number": _("%(enterprise)s already occupies unit %(unit)s.") % {"enterprise": enterprise, "unit": unit}}
    )


def _move_in(
    *, actor, enterprise: Enterprise, unit: Unit, started_on: datetime.date, known_new: bool = False
) -> Occupancy:
    """``known_new``: the caller has checked that the enterprise has no open occupancy of this unit, so
    the check is not repeated; one opened since then is refused by the database and reported as a
    ``ValidationError`` on ``unit_number``."""
    open_occupancies = Occupancy.objects.filter(enterprise=enterprise, unit=unit, ended_on__isnull=True)
    if not known_new and open_occupancies.exists():
        raise already_occupies(enterprise, unit)
    try:
        # A savepoint: a concurrent move-in into the same unit (or one the caller's check could not
        # see) fails this insert alone, and the caller's transaction stays usable.
        with transaction.atomic():
            occupancy = Occupancy.objects.create(enterprise=enterprise, unit=unit, started_on=started_on)
    except IntegrityError as exc:
        if not open_occupancies.exists():
            raise
        raise already_occupies(enterprise, unit) from exc
    _record(actor, moved_in_event(occupancy))
    transaction.on_commit(lambda: signals.occupancy_started.send(sender=Occupancy, occupancy=occupancy))
    return occupancy


def _check_move_date(value, field: str) -> datetime.date:
    if not isinstance(value, datetime.date):
        raise ValidationError({field: _("Give a date.")})
    if value > timezone.localdate() + datetime.timedelta(days=366):
        raise ValidationError({field: _("The date is more than a year away.")})
    return value


@transaction.atomic
def move_in(
    *,
    actor,
    enterprise: Enterprise,
    started_on: datetime.date | None,
    unit: Unit | None = None,
    floor: Floor | None = None,
    unit_number: str = "",
) -> Occupancy:
    """The enterprise moves into ``unit`` (or into unit ``unit_number`` of ``floor``, created if new).
    ``actor`` needs OCCUPANCY_MANAGE on the building moved into."""
    if unit is None and floor is None:
        raise ValidationError({"floor": _("Choose the floor.")})
    if not access.can(actor, Action.OCCUPANCY_MANAGE, (unit.floor if unit is not None else floor).building):
        raise PermissionDenied(Action.OCCUPANCY_MANAGE)
    started_on = _check_move_date(started_on, "started_on")
    if unit is None:
        unit, _created = _find_or_create_unit(actor=actor, floor=floor, number=unit_number)
    return _move_in(actor=actor, enterprise=enterprise, unit=unit, started_on=started_on)


@transaction.atomic
def move_out(*, actor, occupancy: Occupancy, ended_on: datetime.date | None) -> Occupancy:
    """The enterprise leaves the unit on ``ended_on``; the occupancy is kept as history."""
    occupancy = Occupancy.objects.select_for_update().select_related("unit__floor__building", "enterprise").get(
        pk=occupancy.pk
    )
    access.require(actor, Action.OCCUPANCY_MANAGE, occupancy.unit.floor.building)
    ended_on = _check_move_date(ended_on, "ended_on")
    if occupancy.ended_on is not None:
        raise ValidationError(
            {
                "ended_on": _("This enterprise already moved out of this unit on %(date)s.")
                % {"date": occupancy.ended_on}
            }
        )
    if ended_on < occupancy.started_on:
        raise ValidationError(
            {
                "ended_on": _("The move-out date cannot be before the move-in date (%(date)s).")
                % {"date": occupancy.started_on}
            }
        )
    occupancy.ended_on = ended_on
    occupancy.save(update_fields=["ended_on"])
    record(
        actor,
        "occupancy.moved_out",
        occupancy.enterprise,
        building=occupancy.unit.floor.building.code,
        floor=occupancy.unit.floor.code,
        unit=occupancy.unit.number,
        ended_on=ended_on,
    )
    return occupancy
