"""What the committee pages, posters and (later) APIs read. Query counts do not grow with the data."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from louwei.buildings.models import Building, Floor, Occupancy
from louwei.centre.models import ServiceCentre
from louwei.centre.queries import centre_of

from .models import BuildingCommittee, FloorLeader, Term

LEADER_RELATED = ("user", "enterprise", "nominated_by", "term")


def serving_leaders_qs() -> QuerySet[FloorLeader]:
    return FloorLeader.objects.serving().select_related(*LEADER_RELATED)


def serving_leaders_on(floor_ids) -> dict[int, FloorLeader]:
    """The serving leader of each of these floors, by floor id (one query)."""
    return {leader.floor_id: leader for leader in serving_leaders_qs().filter(floor_id__in=list(floor_ids))}


def floors_with_leaders(building: Building, *, history: bool = False) -> list[Floor]:
    """The building's floors in order, each with ``.leader`` (serving leader or ``None``) and, when
    ``history`` is asked, ``.history`` (every appointment, newest first). Two or three queries."""
    prefetches = [Prefetch("leaders", queryset=serving_leaders_qs(), to_attr="serving_leaders")]
    if history:
        prefetches.append(
            Prefetch(
                "leaders",
                queryset=FloorLeader.objects.select_related(*LEADER_RELATED).order_by("-started_on", "-pk"),
                to_attr="history",
            )
        )
    floors = list(Floor.objects.filter(building=building).order_by("number").prefetch_related(*prefetches))
    for floor in floors:
        floor.building = building  # spare a query per floor in str(floor)
        floor.leader = floor.serving_leaders[0] if floor.serving_leaders else None
    return floors


def committee_of(building: Building) -> BuildingCommittee | None:
    try:
        return building.committee
    except BuildingCommittee.DoesNotExist:
        return None


def terms_of(committee: BuildingCommittee | None) -> list[Term]:
    if committee is None:
        return []
    return list(Term.objects.filter(committee=committee).order_by("-number"))


def current_term(terms: list[Term], on=None) -> Term | None:
    """The term running on ``on`` among ``terms`` (newest first), else the newest."""
    on = on or timezone.localdate()
    for term in terms:
        if term.is_current(on):
            return term
    return terms[0] if terms else None


def next_term_number(terms) -> int:
    """The number the committee's next term gets: one after the highest so far, 1 for the first."""
    return max((t.number for t in terms), default=0) + 1


def building_by_code(code: str) -> Building:
    """The building with its committee, property company and Party committee; 404 if unknown."""
    return get_object_or_404(
        Building.objects.select_related("committee", "property_company", "party_committee"), code=code.upper()
    )


@dataclass
class CommitteeOverview:
    """Everything the committee manage page and the public building page show."""

    building: Building
    committee: BuildingCommittee | None
    centre: ServiceCentre | None
    terms: list[Term]
    term: Term | None
    floors: list[Floor]

    @property
    def vacant_floors(self) -> list[Floor]:
        return [f for f in self.floors if f.leader is None]

    @property
    def served_count(self) -> int:
        return sum(1 for f in self.floors if f.leader is not None)


def committee_overview(building: Building, *, history: bool = False, centre: bool = True) -> CommitteeOverview:
    """A fixed number of queries whatever the number of floors, leaders and enterprises. ``centre=False``
    spares the service centre's two queries on pages that do not show it."""
    committee = committee_of(building)
    terms = terms_of(committee)
    return CommitteeOverview(
        building=building,
        committee=committee,
        centre=centre_of(building) if centre else None,
        terms=terms,
        term=current_term(terms),
        floors=floors_with_leaders(building, history=history),
    )


@dataclass
class FloorEnterprise:
    """An enterprise on the floor as the public sees it: its name and its unit numbers, nothing else."""

    pk: int
    name: str
    units: list[str] = field(default_factory=list)


@dataclass
class FloorPage:
    floor: Floor
    building: Building
    leader: FloorLeader | None
    enterprises: list[FloorEnterprise]
    committee: BuildingCommittee | None
    centre: ServiceCentre | None
    term: Term | None


def floor_enterprises(floor: Floor) -> list[FloorEnterprise]:
    """The enterprises currently on ``floor`` with their units, by name (one query)."""
    occupancies = (
        Occupancy.objects.current()
        .filter(unit__floor=floor)
        .select_related("enterprise", "unit")
        .order_by("enterprise__name", "unit__number")
    )
    by_enterprise: dict[int, FloorEnterprise] = {}
    for occ in occupancies:
        item = by_enterprise.setdefault(occ.enterprise_id, FloorEnterprise(occ.enterprise_id, occ.enterprise.name))
        if occ.unit.number not in item.units:
            item.units.append(occ.unit.number)
    return list(by_enterprise.values())


def floor_page(floor_code: str) -> FloorPage:
    """The public floor page (the QR target): 404 for an unknown floor code."""
    floor = get_object_or_404(
        Floor.objects.select_related("building", "building__committee"),
        code=floor_code.upper(),  # a code typed by hand in lower case still finds the floor
    )
    building = floor.building
    committee = committee_of(building)
    return FloorPage(
        floor=floor,
        building=building,
        leader=serving_leader(floor),
        enterprises=floor_enterprises(floor),
        committee=committee,
        centre=centre_of(building),
        term=current_term(terms_of(committee)),
    )


def poster_pages(building: Building, floor: Floor | None = None) -> list[FloorPage]:
    """What each poster shows, for one floor of the building (that floor and its leader only are read) or
    for every floor; a constant number of queries."""
    committee = committee_of(building)
    centre = centre_of(building)
    term = current_term(terms_of(committee))
    if floor is not None:
        leaders = [(floor, serving_leader(floor))]
    else:
        leaders = [(f, f.leader) for f in floors_with_leaders(building)]
    return [
        FloorPage(floor=f, building=building, leader=leader, enterprises=[], committee=committee, centre=centre,
                  term=term)
        for f, leader in leaders
    ]


def serving_leader(floor: Floor) -> FloorLeader | None:
    return serving_leaders_qs().filter(floor=floor).first()
