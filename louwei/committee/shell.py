"""What the committee adds to the shell: the committee page of a building's staff, and a floor
leader's own floors; on the home, the district's buildings and a building's summary (with their
floors with and without a leader), a floor leader's floors, and where one's enterprise is with its
floor leader. Every list starts from a ``louwei.access`` queryset; each panel makes a fixed number
of queries whatever the number of buildings, floors or enterprises."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.db.models import Exists, F, OuterRef, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from louwei import access
from louwei.access import Action
from louwei.buildings.models import Building, Enterprise, Floor, Occupancy
from louwei.core import shell
from louwei.core.db import count_of

from .models import FloorLeader
from .queries import serving_leaders_on

BUILDINGS_PER_PAGE = 20


def _committee_url(person):
    staff = person.buildings_of(person.building_ids(Action.BUILDING_VIEW))
    return reverse("committee:manage", args=[staff[0].code]) if len(staff) == 1 else None


def _my_floors_url(person):
    # Her own floors (the home's floor panel), not the committee's list of every leader.
    led = person.buildings_of(person.floor_building_ids(Action.BUILDING_VIEW))
    return reverse("home:index") + "#my-floors" if led else None


shell.entry("committee", _("Committee"), icon="committee", order=50, url=_committee_url)
shell.entry("floors", _("My floors"), icon="floors", order=70, url=_my_floors_url)


@dataclass
class FloorSummary:
    floor: Floor
    enterprises: list[tuple[Enterprise, list[str]]] = field(default_factory=list)


def leader_floors(person) -> list[FloorSummary]:
    """A floor leader's floors, each with the enterprises on it now and their units (two queries)."""
    user = person.user
    ids = person.floor_ids(Action.BUILDING_VIEW)
    if not ids:
        return []
    floors = list(
        access.floors(user, Action.BUILDING_VIEW).filter(pk__in=ids).select_related("building")
        .order_by("building__code", "number")
    )
    summaries = OrderedDict((floor.pk, FloorSummary(floor)) for floor in floors)
    occupancies = (
        Occupancy.objects.current()
        .filter(unit__floor_id__in=summaries, enterprise__in=access.enterprises(user, Action.ENTERPRISE_VIEW))
        .select_related("enterprise", "unit")
        .order_by("enterprise__name", "unit__number")
    )
    grouped: dict[int, OrderedDict[int, tuple[Enterprise, list[str]]]] = {pk: OrderedDict() for pk in summaries}
    for occupancy in occupancies:
        entry = grouped[occupancy.unit.floor_id].setdefault(occupancy.enterprise_id, (occupancy.enterprise, []))
        entry[1].append(occupancy.unit.number)
    for pk, summary in summaries.items():
        summary.enterprises = list(grouped[pk].values())
    return list(summaries.values())


def _floors_panel(person):
    floors = leader_floors(person)
    return shell.Shown({"floors": floors}) if floors else None


shell.panel("floors", "committee/shell/_floors.html", order=50, context=_floors_panel)


# ----------------------------------------------------------------------------------------------
# Home panels: buildings


def building_summaries(buildings: QuerySet[Building]) -> QuerySet[Building]:
    """Buildings with their counts: floors, enterprises in them now, floors with and without a serving leader."""
    floors = count_of(Floor.objects.all(), "building")
    enterprises = count_of(Occupancy.objects.current(), "unit__floor__building", "enterprise")
    # Floors that have a serving leader, counted floor by floor (index lookups), not by scanning leaders.
    led = count_of(Floor.objects.filter(Exists(FloorLeader.objects.serving().filter(floor=OuterRef("pk")))), "building")
    return (
        buildings.select_related("party_committee", "property_company")
        .annotate(floor_count=floors, enterprise_count=enterprises, led_floor_count=led)
        .annotate(unled_floor_count=F("floor_count") - F("led_floor_count"))
        .order_by("code")
    )


@dataclass
class DistrictSection:
    page: object
    floor_total: int
    enterprise_total: int
    led_total: int

    @property
    def unled_total(self) -> int:
        return self.floor_total - self.led_total


@dataclass
class EnterpriseSummary:
    enterprise: Enterprise
    can_edit: bool
    places: list[tuple[Floor, list[str], FloorLeader | None]] = field(default_factory=list)


def district_section(person) -> DistrictSection | None:
    """District staff (and superusers): every building of their districts, paginated, with totals."""
    user = person.user
    if not person.district_wide(Action.BUILDING_VIEW):
        return None
    buildings = access.buildings(user, Action.BUILDING_VIEW)
    district_ids = [role.party_committee_id for role in access.granting_roles(user, Action.BUILDING_VIEW)
                    if role.party_committee_id]
    if district_ids:
        buildings = buildings.filter(party_committee_id__in=district_ids)
    # Page through the ids first, then count floors, tenants and leaders for that page's buildings only.
    page_number = person.request.GET.get("page") if person.request is not None else None
    page = Paginator(buildings.order_by("code").values_list("pk", flat=True), BUILDINGS_PER_PAGE).get_page(page_number)
    page.object_list = list(building_summaries(Building.objects.filter(pk__in=list(page.object_list))))
    floors = Floor.objects.filter(building__in=buildings.values("pk"))
    enterprise_total = (
        Occupancy.objects.current().filter(unit__floor__building__in=buildings.values("pk"))
        .values("enterprise").distinct().count()
    )
    return DistrictSection(
        page=page,
        floor_total=floors.count(),
        enterprise_total=enterprise_total,
        led_total=FloorLeader.objects.serving().filter(floor__in=floors.values("pk")).count(),
    )


def staff_buildings(person) -> list[Building]:
    """Committee and property staff: the buildings they hold their role in, with counts."""
    ids = person.building_ids(Action.BUILDING_VIEW)
    if not ids:
        return []
    return list(building_summaries(access.buildings(person.user, Action.BUILDING_VIEW).filter(pk__in=ids)))


def enterprise_places(person) -> list[EnterpriseSummary]:
    """Enterprise contacts and employees: their enterprise, where it is, and each floor's leader (three queries)."""
    user, ids = person.user, person.enterprise_ids
    if not ids:
        return []
    enterprises = list(access.enterprises(user, Action.ENTERPRISE_VIEW).filter(pk__in=ids).order_by("name"))
    summaries = OrderedDict(
        (e.pk, EnterpriseSummary(e, access.can(user, Action.ENTERPRISE_EDIT, e))) for e in enterprises
    )
    occupancies = (
        Occupancy.objects.current().filter(enterprise_id__in=summaries)
        .select_related("unit__floor__building")
        .order_by("unit__floor__building__code", "unit__floor__number", "unit__number")
    )
    places: dict[int, OrderedDict[int, tuple[Floor, list[str]]]] = {pk: OrderedDict() for pk in summaries}
    for occupancy in occupancies:
        floor = occupancy.unit.floor
        places[occupancy.enterprise_id].setdefault(floor.pk, (floor, []))[1].append(occupancy.unit.number)
    leaders = serving_leaders_on({floor_pk for by_floor in places.values() for floor_pk in by_floor})
    for pk, summary in summaries.items():
        summary.places = [(floor, units, leaders.get(floor.pk)) for floor, units in places[pk].values()]
    return list(summaries.values())


def _shown(name, value):
    return shell.Shown({name: value}) if value else None


shell.panel("district", "committee/shell/_district.html", order=30,
            context=lambda person: _shown("section", district_section(person)))
shell.panel("buildings", "committee/shell/_buildings.html", order=40,
            context=lambda person: _shown("buildings", staff_buildings(person)))
shell.panel("enterprises", "committee/shell/_enterprises.html", order=60,
            context=lambda person: _shown("enterprises", enterprise_places(person)))
