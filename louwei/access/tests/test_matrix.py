"""The access policy, cell by cell: every kind of role × every action × targets inside and outside its scope.

Two tables say the policy. ``GRANTED`` says which actions a role allows on the targets of its own
scope; ``REACH`` says how far a role's scope reaches. A role may do an action to a target exactly
when both tables say yes. The world the tests run in:

    district D (TBH)                      district E (elsewhere)
      building A                            building B
        floor A1: enterprise a1 (+ a1b)        floor B1: enterprise b1
        floor A2: enterprise a2
      building C (same district)
        floor C1: enterprise c1

Each role is held on A's part: the district D, building A, floor A1 or enterprise a1. The places a
target can be, from the role's point of view:

* ``own``: building A, floor A1, enterprise a1;
* ``sibling``: another part of building A: floor A2, enterprise a2 (building targets: none);
* ``district``: building C of the same district, its floor C1, its enterprise c1;
* ``elsewhere``: building B of another district, floor B1, enterprise b1.
"""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from louwei import access
from louwei.access import Action
from louwei.accounts.models import RoleKind
from louwei.buildings.models import Building, Enterprise, Floor
from louwei.testing.factories import (
    BuildingFactory,
    EnterpriseFactory,
    FloorFactory,
    OccupancyFactory,
    PartyCommitteeFactory,
    UnitFactory,
    UserFactory,
    enterprise_on,
    grant,
)

A = Action

# Columns: an action, @ the kind of object it is asked about (see the comments in louwei.access.Action).
COLUMNS = {
    "bv": (A.BUILDING_VIEW, "building"),
    "be": (A.BUILDING_EDIT, "building"),
    "bf": (A.BUILDING_EDIT, "floor"),
    "ev": (A.ENTERPRISE_VIEW, "enterprise"),
    "ec": (A.ENTERPRISE_CREATE, "building"),
    "ee": (A.ENTERPRISE_EDIT, "enterprise"),
    "oe": (A.OCCUPANCY_MANAGE, "enterprise"),
    "ob": (A.OCCUPANCY_MANAGE, "building"),
    "ri": (A.ROSTER_IMPORT, "building"),
    "rx": (A.ROSTER_EXPORT, "building"),
    "cm": (A.COMMITTEE_MANAGE, "building"),
    "pf": (A.POSTER_PRINT, "floor"),
    "pb": (A.POSTER_PRINT, "building"),
    "av": (A.AUDIT_VIEW, "building"),
    "nv": (A.NOTICE_VIEW, "building"),
    "nw": (A.NOTICE_WRITE, "building"),
    "nr": (A.NOTICE_RELAY, "floor"),
    "cv": (A.CASE_VIEW, "building"),
    "cf": (A.CASE_VIEW, "floor"),
    "ce": (A.CASE_VIEW, "enterprise"),
    "rf": (A.CASE_RAISE_FOR, "floor"),
    "ca": (A.CASE_ANSWER, "floor"),
    "ct": (A.CASE_TRIAGE, "building"),
    "cg": (A.CASE_FIGURES, "building"),
    "cc": (A.CASE_CONFIGURE, "building"),
    "sh": (A.SYSTEM_HEALTH, "district"),
    "cl": (A.CALENDAR_MANAGE, "country"),  # no target: access.can_nationwide
}

# What each role may do to the targets of its own scope. Y = allowed, . = denied.
#
#   bv building.view @ building       ee enterprise.edit @ enterprise    rx roster.export @ building
#   be building.edit @ building       oe occupancy.manage @ enterprise   cm committee.manage @ building
#   bf building.edit @ floor          ob occupancy.manage @ building     pf poster.print @ floor
#   ev enterprise.view @ enterprise   ri roster.import @ building        pb poster.print @ building
#   ec enterprise.create @ building                                      av audit.view @ building
#   nv notice.view @ building          nw notice.write @ building         nr notice.relay @ floor
#   cv case.view @ building            cf case.view @ floor               ce case.view @ enterprise
#   rf case.raise_for @ floor          ca case.answer @ floor             ct case.triage @ building
#   cg case.figures @ building         cc case.configure @ building       sh system.health @ district
#   cl calendar.manage (nationwide)
GRANTED_TABLE = """
                      bv  be  bf  ev  ec  ee  oe  ob  ri  rx  cm  pf  pb  av  nv  nw  nr  cv  cf  ce  rf  ca  ct  cg  cc  sh  cl
district_staff         Y   Y   Y   Y   Y   Y   Y   Y   Y   Y   Y   Y   Y   Y   Y   Y   .   Y   Y   Y   Y   .   Y   Y   Y   Y   Y
committee_secretary    Y   Y   Y   Y   Y   Y   Y   Y   Y   Y   Y   Y   Y   Y   Y   Y   .   Y   Y   Y   Y   .   Y   Y   Y   .   .
committee_member       Y   .   .   Y   .   .   .   .   .   Y   .   Y   Y   Y   Y   .   .   Y   Y   Y   Y   .   Y   Y   .   .   .
property_staff         Y   .   .   Y   .   .   .   .   .   Y   .   Y   Y   .   Y   .   .   Y   Y   Y   Y   .   .   Y   .   .   .
floor_leader           Y   .   .   Y   .   .   .   .   .   .   .   Y   .   .   Y   .   Y   Y   Y   Y   Y   Y   .   .   .   .   .
enterprise_contact     .   .   .   Y   .   Y   .   .   .   .   .   .   .   .   .   .   .   .   .   Y   .   .   .   .   .   .   .
employee               .   .   .   Y   .   .   .   .   .   .   .   .   .   .   .   .   .   .   .   .   .   .   .   .   .   .   .
"""
# A floor leader sees their building's staff pages and notices (filtered to their floor), prints
# their own floor's poster, not the whole building's, and relays notices on their floor only.
# Enterprise people see notices through their deliveries, not through these staff actions.

# How far each role's scope reaches (the places are described at the top of this module).
REACH_TABLE = """
                     own  sibling  district  elsewhere
district_staff        Y      Y        Y         .
committee_secretary   Y      Y        .         .
committee_member      Y      Y        .         .
property_staff        Y      Y        .         .
floor_leader          Y      .        .         .
enterprise_contact    Y      .        .         .
employee              Y      .        .         .
"""
PLACES = ("own", "sibling", "district", "elsewhere")


def parse(table: str, columns: dict) -> dict[str, dict]:
    """Rows of Y and . under a header row of column codes, as {role kind: {column: allowed}}."""
    header, *lines = table.strip("\n").splitlines()
    codes = header.split()
    assert codes == list(columns), header
    rows = {}
    for line in lines:
        kind, *cells = line.split()
        assert len(cells) == len(codes) and set(cells) <= {"Y", "."}, line
        rows[kind] = {columns[code]: cell == "Y" for code, cell in zip(codes, cells, strict=True)}
    return rows


GRANTED = parse(GRANTED_TABLE, COLUMNS)
REACH = parse(REACH_TABLE, {place: place for place in PLACES})


def test_the_tables_cover_every_role_and_every_action():
    assert set(GRANTED) == set(REACH) == set(RoleKind.values)
    assert {action for action, _ in COLUMNS.values()} == set(Action.ALL)


def test_the_table_matches_the_grants_of_the_access_module():
    """``access.GRANTS`` is the policy's source; the table above spells the same thing out."""
    for kind, row in GRANTED.items():
        granted_somewhere = {action for (action, _target), allowed in row.items() if allowed}
        assert granted_somewhere == set(access.GRANTS[kind]), kind


class World:
    def __init__(self):
        self.district = PartyCommitteeFactory(code="TBH")
        self.other_district = PartyCommitteeFactory(code="ELSE")
        self.a = BuildingFactory(code="AAA", party_committee=self.district)
        self.c = BuildingFactory(code="CCC", party_committee=self.district)
        self.b = BuildingFactory(code="BBB", party_committee=self.other_district)
        self.a1 = FloorFactory(building=self.a, number=1)
        self.a2 = FloorFactory(building=self.a, number=2)
        self.c1 = FloorFactory(building=self.c, number=1)
        self.b1 = FloorFactory(building=self.b, number=1)
        self.e_a1 = enterprise_on(self.a1, name="甲一公司")
        self.e_a1b = enterprise_on(self.a1, name="甲一乙公司")
        self.e_a2 = enterprise_on(self.a2, name="甲二公司")
        self.e_c1 = enterprise_on(self.c1, name="丙一公司")
        self.e_b1 = enterprise_on(self.b1, name="乙一公司")
        # A former tenant of floor A1: moved out last year.
        self.former = EnterpriseFactory(name="旧租户公司")
        OccupancyFactory(
            enterprise=self.former, unit=UnitFactory(floor=self.a1),
            started_on=datetime.date(2019, 1, 1), ended_on=timezone.localdate() - datetime.timedelta(days=300),
        )

    def scope_of(self, kind: str):
        return {
            RoleKind.DISTRICT_STAFF: self.district,
            RoleKind.COMMITTEE_SECRETARY: self.a,
            RoleKind.COMMITTEE_MEMBER: self.a,
            RoleKind.PROPERTY_STAFF: self.a,
            RoleKind.FLOOR_LEADER: self.a1,
            RoleKind.ENTERPRISE_CONTACT: self.e_a1,
            RoleKind.EMPLOYEE: self.e_a1,
        }[kind]

    def target(self, kind: str, place: str):
        return {
            ("building", "own"): self.a, ("floor", "own"): self.a1, ("enterprise", "own"): self.e_a1,
            ("floor", "sibling"): self.a2, ("enterprise", "sibling"): self.e_a2,
            ("building", "district"): self.c, ("floor", "district"): self.c1, ("enterprise", "district"): self.e_c1,
            ("building", "elsewhere"): self.b, ("floor", "elsewhere"): self.b1, ("enterprise", "elsewhere"): self.e_b1,
            ("district", "own"): self.district, ("district", "elsewhere"): self.other_district,
        }[(kind, place)]

    def user_with(self, kind: str):
        user = UserFactory()
        grant(user, kind, self.scope_of(kind))
        return user


@pytest.fixture
def world(db):
    return World()


CASES = [
    pytest.param(kind, action, target_kind, place, id=f"{kind}-{action}-{target_kind}-{place}")
    for kind in RoleKind.values
    for action, target_kind in COLUMNS.values()
    for place in PLACES
    if not (target_kind == "building" and place == "sibling")  # a building has no sibling part of itself
    # A district is the role's own district (the one holding its scope) or another one.
    and not (target_kind == "district" and place in ("sibling", "district"))
    and not (target_kind == "country" and place != "own")  # the country is everyone's own
]


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "action", "target_kind", "place"), CASES)
def test_matrix(world, kind, action, target_kind, place):
    user = world.user_with(kind)
    expected = GRANTED[kind][(action, target_kind)] and REACH[kind][place]
    if target_kind == "country":
        assert access.can_nationwide(user, action) is expected
        if not expected:
            with pytest.raises(PermissionDenied):
                access.require_nationwide(user, action)
        return
    target = world.target(target_kind, place)

    assert access.can(user, action, target) is expected
    if expected:
        access.require(user, action, target)
    else:
        with pytest.raises(PermissionDenied):
            access.require(user, action, target)


# ----------------------------------------------------------------------------------------------
# Querysets: "which may this user act on?" return exactly the objects in scope.


def names(queryset) -> set[str]:
    return {obj.code if isinstance(obj, (Building, Floor)) else obj.name for obj in queryset}


VISIBLE = {
    # kind: (buildings, floors, enterprises) for the view actions.
    # 旧租户公司 moved out of AAA-01: building and district staff keep its record, the floor leader does not.
    RoleKind.DISTRICT_STAFF: (
        {"AAA", "CCC"},
        {"AAA-01", "AAA-02", "CCC-01"},
        {"甲一公司", "甲一乙公司", "甲二公司", "丙一公司", "旧租户公司"},
    ),
    RoleKind.COMMITTEE_SECRETARY: ({"AAA"}, {"AAA-01", "AAA-02"}, {"甲一公司", "甲一乙公司", "甲二公司", "旧租户公司"}),
    RoleKind.COMMITTEE_MEMBER: ({"AAA"}, {"AAA-01", "AAA-02"}, {"甲一公司", "甲一乙公司", "甲二公司", "旧租户公司"}),
    RoleKind.PROPERTY_STAFF: ({"AAA"}, {"AAA-01", "AAA-02"}, {"甲一公司", "甲一乙公司", "甲二公司", "旧租户公司"}),
    RoleKind.FLOOR_LEADER: ({"AAA"}, {"AAA-01"}, {"甲一公司", "甲一乙公司"}),
    RoleKind.ENTERPRISE_CONTACT: (set(), set(), {"甲一公司"}),
    RoleKind.EMPLOYEE: (set(), set(), {"甲一公司"}),
}


@pytest.mark.django_db
@pytest.mark.parametrize("kind", RoleKind.values)
def test_querysets_return_exactly_what_is_in_scope(world, kind):
    user = world.user_with(kind)
    buildings, floors, enterprises = VISIBLE[kind]

    assert names(access.buildings(user, A.BUILDING_VIEW)) == buildings
    assert names(access.floors(user, A.BUILDING_VIEW)) == floors
    assert names(access.enterprises(user, A.ENTERPRISE_VIEW)) == enterprises


@pytest.mark.django_db
@pytest.mark.parametrize("kind", RoleKind.values)
@pytest.mark.parametrize("action", Action.ALL)
def test_querysets_agree_with_can_for_every_action(world, kind, action):
    """A list shows exactly the floors and enterprises that ``can`` allows, for every action."""
    user = world.user_with(kind)
    all_floors = list(Floor.objects.all())
    all_enterprises = list(Enterprise.objects.all())

    assert set(access.floors(user, action)) == {f for f in all_floors if access.can(user, action, f)}
    assert set(access.enterprises(user, action)) == {e for e in all_enterprises if access.can(user, action, e)}
    # Buildings: the whole building for building and district roles; a floor role reaches its
    # building in lists "at least on a part", but acts on the whole building only to view it.
    whole = {b for b in Building.objects.all() if access.can(user, action, b)}
    listed = set(access.buildings(user, action))
    if kind == RoleKind.FLOOR_LEADER and action in access.GRANTS[kind]:
        assert listed == {world.a}
        assert whole == ({world.a} if action in A.PARTIAL_BUILDING else set())
    else:
        assert listed == whole


@pytest.mark.django_db
def test_a_former_tenant_stays_on_the_buildings_record_but_leaves_the_floor(world):
    secretary = world.user_with(RoleKind.COMMITTEE_SECRETARY)
    leader = world.user_with(RoleKind.FLOOR_LEADER)
    # Building staff keep the record of a tenant that moved out (history, move back in).
    assert world.former in access.enterprises(secretary)
    assert access.can(secretary, A.ENTERPRISE_VIEW, world.former)
    assert access.can(secretary, A.OCCUPANCY_MANAGE, world.former)
    # The floor leader serves the floor's current tenants only.
    assert world.former not in access.enterprises(leader)
    assert not access.can(leader, A.ENTERPRISE_VIEW, world.former)
    # Its own people still reach it.
    employee = UserFactory()
    grant(employee, RoleKind.EMPLOYEE, world.former)
    assert access.can(employee, A.ENTERPRISE_VIEW, world.former)


@pytest.mark.django_db
def test_a_floor_leader_of_building_a_sees_nothing_private_of_building_b(world):
    leader = world.user_with(RoleKind.FLOOR_LEADER)
    for action in Action.ALL:
        assert not access.can(leader, action, world.b), action
        assert not access.can(leader, action, world.b1), action
        assert not access.can(leader, action, world.e_b1), action
        assert world.b not in access.buildings(leader, action)
        assert not access.floors(leader, action).filter(building=world.b).exists()
        assert world.e_b1 not in access.enterprises(leader, action)
    # Nor the other floors of their own building.
    assert not access.can(leader, A.ENTERPRISE_VIEW, world.e_a2)
    assert not access.can(leader, A.POSTER_PRINT, world.a2)


@pytest.mark.django_db
def test_several_roles_add_up(world):
    user = UserFactory()
    grant(user, RoleKind.FLOOR_LEADER, world.a1)
    grant(user, RoleKind.EMPLOYEE, world.e_b1)  # works in building B of the other district
    grant(user, RoleKind.PROPERTY_STAFF, world.c)

    assert names(access.enterprises(user)) == {"甲一公司", "甲一乙公司", "乙一公司", "丙一公司"}
    assert names(access.buildings(user)) == {"AAA", "CCC"}  # an employee role opens no building
    assert access.can(user, A.ENTERPRISE_VIEW, world.e_b1)
    assert not access.can(user, A.ENTERPRISE_EDIT, world.e_b1)
    assert access.can(user, A.ROSTER_EXPORT, world.c)  # as property staff of C
    assert not access.can(user, A.ROSTER_EXPORT, world.a)  # a floor leader does not export
    assert access.can(user, A.POSTER_PRINT, world.a1)
    assert not access.can(user, A.POSTER_PRINT, world.a2)
    assert access.role_kinds(user) == {RoleKind.FLOOR_LEADER, RoleKind.EMPLOYEE, RoleKind.PROPERTY_STAFF}


@pytest.mark.django_db
@pytest.mark.parametrize("kind", RoleKind.values)
def test_an_ended_role_grants_nothing(world, kind):
    user = world.user_with(kind)
    role = user.roles.get()
    role.ended_at = timezone.now()
    role.save()
    access.forget(user)

    for action in Action.ALL:
        for target in (world.a, world.a1, world.e_a1):
            assert not access.can(user, action, target)
        assert not access.buildings(user, action).exists()
        assert not access.floors(user, action).exists()
        assert not access.enterprises(user, action).exists()
    assert not access.is_building_staff(user)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", RoleKind.values)
def test_an_inactive_user_gets_nothing(world, kind):
    user = world.user_with(kind)
    user.is_active = False
    user.save()

    for action in Action.ALL:
        for target in (world.a, world.a1, world.e_a1):
            assert not access.can(user, action, target)
        assert not access.enterprises(user, action).exists()
        assert not access.buildings(user, action).exists()


@pytest.mark.django_db
def test_an_inactive_superuser_gets_nothing(world):
    user = UserFactory(is_superuser=True, is_active=False)
    assert not access.can(user, A.BUILDING_VIEW, world.a)
    assert not access.buildings(user).exists()


@pytest.mark.django_db
def test_anonymous_visitors_get_nothing(world):
    for user in (AnonymousUser(), None):
        for action in Action.ALL:
            assert not access.can(user, action, world.a)
            assert not access.can(user, action, world.e_a1)
            assert not access.enterprises(user, action).exists()
        assert not access.is_building_staff(user)


@pytest.mark.django_db
def test_a_superuser_may_do_everything_everywhere(world):
    root = UserFactory(is_superuser=True)
    for action in Action.ALL:
        for target in (world.a, world.b, world.c1, world.b1, world.e_b1, world.former, world.other_district):
            assert access.can(root, action, target)
        assert set(access.buildings(root, action)) == set(Building.objects.all())
        assert set(access.floors(root, action)) == set(Floor.objects.all())
        assert set(access.enterprises(root, action)) == set(Enterprise.objects.all())
        # Nothing is not a target, not even for a superuser.
        assert not access.can(root, action, None)


@pytest.mark.django_db
def test_district_staff_reach_their_district_and_no_other(world):
    staff = world.user_with(RoleKind.DISTRICT_STAFF)
    assert access.can(staff, A.BUILDING_VIEW, world.district)
    assert not access.can(staff, A.BUILDING_VIEW, world.other_district)
    assert set(access.party_committees(staff)) == {world.district}
    secretary = world.user_with(RoleKind.COMMITTEE_SECRETARY)
    assert not access.can(secretary, A.BUILDING_VIEW, world.district)
    assert not access.party_committees(secretary).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("kind", RoleKind.values)
def test_is_building_staff(world, kind):
    user = world.user_with(kind)
    assert access.is_building_staff(user) is GRANTED[kind][(A.BUILDING_VIEW, "building")]


@pytest.mark.django_db
def test_unknown_actions_and_targets_are_programming_errors(world):
    user = world.user_with(RoleKind.COMMITTEE_SECRETARY)
    with pytest.raises(ValueError):
        access.can(user, "building.demolish", world.a)
    with pytest.raises(TypeError):
        access.can(user, A.BUILDING_VIEW, world.a1.units.first())


@pytest.mark.django_db
def test_roles_are_read_once_per_user_object(world, django_assert_num_queries):
    user = world.user_with(RoleKind.COMMITTEE_SECRETARY)
    access.forget(user)
    with django_assert_num_queries(1):
        for action in Action.ALL:
            access.can(user, action, world.a)
            access.can(user, action, world.a1)
    # A list is one query more, whatever the number of enterprises.
    with django_assert_num_queries(1):
        list(access.enterprises(user))


@pytest.mark.django_db
def test_nationwide_actions_for_superusers_and_nobody_without_a_live_role(world):
    assert access.can_nationwide(UserFactory(is_superuser=True), A.CALENDAR_MANAGE)
    assert not access.can_nationwide(UserFactory(is_superuser=True, is_active=False), A.CALENDAR_MANAGE)
    for user in (AnonymousUser(), None, UserFactory()):
        assert not access.can_nationwide(user, A.CALENDAR_MANAGE)
    staff = world.user_with(RoleKind.DISTRICT_STAFF)
    staff.roles.update(ended_at=timezone.now())
    access.forget(staff)
    assert not access.can_nationwide(staff, A.CALENDAR_MANAGE)
    with pytest.raises(ValueError):
        access.can_nationwide(staff, A.BUILDING_VIEW)  # a scoped action needs its target
