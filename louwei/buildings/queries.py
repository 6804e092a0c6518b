"""What the registry's pages and exports read. Every function runs a fixed number of queries,
whatever the number of buildings, floors or enterprises."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from louwei import access
from louwei.core.audit import history_of
from louwei.core.db import count_of

from .filters import EnterpriseFilter
from .models import Building, Enterprise, EnterpriseContact, Floor, Occupancy

PAGE_SIZE = 25


def buildings_for(user) -> QuerySet[Building]:
    """The buildings whose staff pages ``user`` may open, with floor and enterprise counts."""
    return (
        access.buildings(user, access.Action.BUILDING_VIEW)
        .select_related("party_committee", "property_company")
        .annotate(
            floor_count=count_of(Floor.objects.all(), "building", "pk"),
            enterprise_count=count_of(Occupancy.objects.current(), "unit__floor__building", "enterprise"),
        )
        .order_by("code")
    )


def floors_of(building: Building) -> QuerySet[Floor]:
    """The building's floors, top down as a lift panel reads, with unit and enterprise counts."""
    from .models import Unit

    return (
        Floor.objects.filter(building=building)
        .annotate(
            unit_count=count_of(Unit.objects.all(), "floor", "pk"),
            enterprise_count=count_of(Occupancy.objects.current(), "unit__floor", "enterprise"),
        )
        .order_by("-number")
    )


def units_of(floor: Floor) -> QuerySet:
    """The floor's units by number, each with ``enterprise_count`` (its current tenants); one query."""
    from .models import Unit

    return (
        Unit.objects.filter(floor=floor)
        .annotate(enterprise_count=count_of(Occupancy.objects.current(), "unit", "enterprise"))
        .order_by("number")
    )


def current_occupancies_in(building: Building) -> QuerySet[Occupancy]:
    return (
        Occupancy.objects.current()
        .filter(unit__floor__building=building)
        .select_related("unit__floor")
        .order_by("unit__floor__number", "unit__number")
    )


def visible_enterprises(user, building: Building) -> QuerySet[Enterprise]:
    """The enterprises now in ``building`` that ``user`` may see (a floor leader: those on their floors)."""
    return access.enterprises(user, access.Action.ENTERPRISE_VIEW).filter(
        pk__in=Occupancy.objects.current().filter(unit__floor__building=building).values("enterprise_id")
    )


def visible_floors(user, building: Building) -> QuerySet[Floor]:
    return access.floors(user, access.Action.BUILDING_VIEW).filter(building=building).order_by("number")


@dataclass
class EnterpriseList:
    filterset: EnterpriseFilter
    page: Page
    total: int


def enterprise_list(user, building: Building, params, page_number: Any = 1) -> EnterpriseList:
    """One page of the building's enterprise list, searched, filtered and sorted as ``params`` say.

    Each enterprise carries ``current_occupancies`` (its units in this building, with floors) and
    ``primary_contacts`` (its main contact, if any), both prefetched: four queries in all.
    """
    first_floor = (
        Occupancy.objects.current()
        .filter(enterprise=OuterRef("pk"), unit__floor__building=building)
        .order_by("unit__floor__number", "unit__number")
        .values("unit__floor__number")[:1]
    )
    first_unit = (
        Occupancy.objects.current()
        .filter(enterprise=OuterRef("pk"), unit__floor__building=building)
        .order_by("unit__floor__number", "unit__number")
        .values("unit__number")[:1]
    )
    base = visible_enterprises(user, building).annotate(
        first_floor=Subquery(first_floor, output_field=IntegerField()), first_unit=Subquery(first_unit)
    )
    filterset = EnterpriseFilter(
        params or None, queryset=base, building=building, floors=visible_floors(user, building)
    )
    queryset = filterset.qs
    ordering = queryset.query.order_by or ("first_floor", "first_unit", "name")
    queryset = queryset.order_by(*ordering, "pk").prefetch_related(
        Prefetch(
            "occupancies",
            queryset=current_occupancies_in(building),
            to_attr="current_occupancies",
        ),
        Prefetch(
            "contacts",
            queryset=EnterpriseContact.objects.filter(is_primary=True),
            to_attr="primary_contacts",
        ),
    )
    paginator = Paginator(queryset, PAGE_SIZE)
    page = paginator.get_page(page_number)
    return EnterpriseList(filterset=filterset, page=page, total=paginator.count)


def enterprise_buildings(enterprise: Enterprise) -> list[Building]:
    """The buildings the enterprise is in now."""
    return list(
        Building.objects.filter(
            pk__in=Occupancy.objects.current().filter(enterprise=enterprise).values("unit__floor__building_id")
        ).order_by("code")
    )


@dataclass
class FieldChange:
    field: str
    label: str
    old: Any
    new: Any


@dataclass
class HistoryEntry:
    when: Any
    who: Any
    kind: str  # "+" created, "~" changed, "-" deleted
    changes: list[FieldChange]


def enterprise_changes(enterprise: Enterprise, limit: int = 20) -> list[HistoryEntry]:
    """Field-by-field changes of the enterprise record (django-simple-history), newest first; one query."""
    records = list(
        enterprise.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1]
    )
    entries = []
    for index, current in enumerate(records[:limit]):
        previous = records[index + 1] if index + 1 < len(records) else None
        changes = []
        if previous is not None:
            delta = current.diff_against(previous)
            for change in delta.changes:
                field = Enterprise._meta.get_field(change.field)
                changes.append(
                    FieldChange(
                        field=change.field,
                        label=str(field.verbose_name),
                        old=_display(field, change.old),
                        new=_display(field, change.new),
                    )
                )
            if not changes:
                continue
        elif current.history_type != "+":
            continue  # the record that preceded this one is beyond the limit
        entries.append(
            HistoryEntry(
                when=current.history_date, who=current.history_user, kind=current.history_type, changes=changes
            )
        )
    return entries


def _display(field, value):
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    return value


@dataclass
class EnterpriseDetail:
    enterprise: Enterprise
    occupancies: list[Occupancy]
    current_occupancies: list[Occupancy]
    contacts: list[EnterpriseContact]
    buildings: list[Building]


def enterprise_detail(enterprise: Enterprise) -> EnterpriseDetail:
    occupancies = list(
        Occupancy.objects.filter(enterprise=enterprise)
        .select_related("unit__floor__building")
        .order_by("-started_on", "-pk")
    )
    current = list(Occupancy.objects.current().filter(enterprise=enterprise).values_list("pk", flat=True))
    current_occupancies = [o for o in occupancies if o.pk in set(current)]
    buildings = []
    for occupancy in sorted(current_occupancies, key=lambda o: o.unit.floor.building.code):
        if occupancy.unit.floor.building not in buildings:
            buildings.append(occupancy.unit.floor.building)
    return EnterpriseDetail(
        enterprise=enterprise,
        occupancies=occupancies,
        current_occupancies=current_occupancies,
        contacts=list(enterprise.contacts.select_related("user").order_by("-is_primary", "name")),
        buildings=buildings,
    )


AUDIT_VERBS = {
    "enterprise.created": _("Registered"),
    "enterprise.updated": _("Record changed"),
    "contact.added": _("Contact added"),
    "contact.updated": _("Contact changed"),
    "contact.removed": _("Contact removed"),
    "occupancy.moved_in": _("Moved in"),
    "occupancy.moved_out": _("Moved out"),
    "occupancy.updated": _("Move-in date changed"),
}


def _field_label(model, name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except Exception:  # a field that no longer exists
        return name


def audit_history(enterprise: Enterprise, limit: int = 50):
    """The enterprise's audit events, newest first, each with ``label`` and ``change_list``
    (field label, old, new) for display; one query."""
    events = list(history_of(enterprise)[:limit])
    for event in events:
        event.label = AUDIT_VERBS.get(event.verb, event.verb)
        model = EnterpriseContact if event.verb.startswith("contact.") else (
            Occupancy if event.verb.startswith("occupancy.") else Enterprise
        )
        changes = (event.details or {}).get("changes") or {}
        event.change_list = [
            (_field_label(model, name), change.get("from"), change.get("to"))
            for name, change in changes.items()
            if isinstance(change, dict)
        ]
    return events


def building_counts(building: Building) -> dict[str, int]:
    current = Occupancy.objects.current().filter(unit__floor__building=building)
    return current.aggregate(
        enterprises=Count("enterprise", distinct=True),
        occupied_units=Count("unit", distinct=True),
    ) | Floor.objects.filter(building=building).aggregate(
        floors=Count("pk", distinct=True), units=Count("units", distinct=True)
    )
