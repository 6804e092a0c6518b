"""What the home page reads. Every list starts from a ``louwei.access`` queryset; each function
makes a fixed number of queries whatever the number of buildings, floors or enterprises."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils.translation import gettext as _

from louwei import access
from louwei.access import Action
from louwei.accounts.models import RoleKind
from louwei.buildings.models import Building, Enterprise, Floor, Occupancy
from louwei.committee.models import FloorLeader
from louwei.committee.queries import serving_leaders_on
from louwei.core.db import count_of

BUILDINGS_PER_PAGE = 20
STAFF_KINDS = (RoleKind.COMMITTEE_SECRETARY, RoleKind.COMMITTEE_MEMBER, RoleKind.PROPERTY_STAFF)
ENTERPRISE_KINDS = (RoleKind.ENTERPRISE_CONTACT, RoleKind.EMPLOYEE)


def public_buildings() -> QuerySet[Building]:
    """Every building, for the public landing page: name, address and number of floors."""
    floors = count_of(Floor.objects.all(), "building")
    return Building.objects.annotate(floor_count=floors).only("code", "name", "address").order_by("code")


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
class FloorSummary:
    floor: Floor
    enterprises: list[tuple[Enterprise, list[str]]] = field(default_factory=list)


@dataclass
class EnterpriseSummary:
    enterprise: Enterprise
    can_edit: bool
    places: list[tuple[Floor, list[str], FloorLeader | None]] = field(default_factory=list)


@dataclass
class Landing:
    """The sections of a logged-in person's home page, in the order their roles rank."""

    kinds: set[str]
    district: DistrictSection | None = None
    buildings: list[Building] = field(default_factory=list)
    floors: list[FloorSummary] = field(default_factory=list)
    enterprises: list[EnterpriseSummary] = field(default_factory=list)
    calendar_missing: list[int] = field(default_factory=list)  # years of the official calendar to enter: first
    cases: list = field(default_factory=list)  # each role's case queue, shown first
    case_figures: list = field(default_factory=list)  # (title, rates.Figures) of the person's own cases

    @property
    def is_empty(self) -> bool:
        return not (self.district or self.buildings or self.floors or self.enterprises or self.cases
                    or self.calendar_missing)


def district_section(user, page_number=None) -> DistrictSection | None:
    """District staff (and superusers): every building of their districts, paginated, with totals."""
    roles = access.active_roles(user)
    district_ids = [r.party_committee_id for r in roles if r.kind == RoleKind.DISTRICT_STAFF]
    if not district_ids and not user.is_superuser:
        return None
    buildings = access.buildings(user, Action.BUILDING_VIEW)
    if district_ids:
        buildings = buildings.filter(party_committee_id__in=district_ids)
    # Page through the ids first, then count floors, tenants and leaders for that page's buildings only.
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


def staff_buildings(user) -> list[Building]:
    """Committee and property staff: the buildings they hold their role in, with counts."""
    ids = [r.building_id for r in access.active_roles(user) if r.kind in STAFF_KINDS]
    if not ids:
        return []
    return list(building_summaries(access.buildings(user, Action.BUILDING_VIEW).filter(pk__in=ids)))


def leader_floors(user) -> list[FloorSummary]:
    """A floor leader's floors, each with the enterprises on it now and their units (two queries)."""
    ids = [r.floor_id for r in access.active_roles(user) if r.kind == RoleKind.FLOOR_LEADER]
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


def enterprise_places(user) -> list[EnterpriseSummary]:
    """Enterprise contacts and employees: their enterprise, where it is, and each floor's leader (three queries)."""
    ids = [r.enterprise_id for r in access.active_roles(user) if r.kind in ENTERPRISE_KINDS]
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


def case_figures(user) -> list[tuple[str, object]]:
    """This year's rates of the floor leader's cases and of each handler the person works for
    (read from the maintained figures: one query each)."""
    from louwei.cases import rates
    from louwei.cases.queries import leader_floor_ids, my_handler_ids

    year = rates.period("year")
    shown = []
    if leader_floor_ids(user):
        shown.append((_("My floors this year"), rates.for_leader(user, year)))
    for handler_id in my_handler_ids(user)[:3]:
        shown.append((_("Our handling this year"), rates.for_handler(handler_id, year)))
    return shown


def landing(user, page_number=None) -> Landing:
    """Everything a logged-in person's home page shows, section by section."""
    from louwei.cases.queries import landing_queues
    from louwei.holidays.queries import missing_for

    return Landing(
        kinds=access.role_kinds(user),
        calendar_missing=missing_for(user),
        cases=landing_queues(user),
        case_figures=case_figures(user),
        district=district_section(user, page_number),
        buildings=staff_buildings(user),
        floors=leader_floors(user),
        enterprises=enterprise_places(user),
    )
