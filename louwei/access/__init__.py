"""Who may do what, and what each person may see. Every view, API, export and command asks here.

Two questions are answered, both from the person's active roles and their scope:

* ``can(user, action, target)``: may this person do this action to this object?
* ``buildings(user, action)``, ``floors(user, action)``, ``enterprises(user, action)``:
  which objects may this person do the action to? (querysets, for lists and exports)

Scopes nest: a district holds buildings, a building floors, a floor units, and an enterprise
is on the floors where it currently occupies a unit. A role reaches an object when the object
lies inside the role's scope. Superusers may do everything.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from louwei.accounts.models import Role, RoleKind
from louwei.buildings.models import Building, Enterprise, Floor, Occupancy, PartyCommittee


class Action:
    """Every action a permission is asked for. The names are the vocabulary of the matrix."""

    BUILDING_VIEW = "building.view"  # the staff pages of a building (registry, lists)
    BUILDING_EDIT = "building.edit"  # floors, units, service centre
    ENTERPRISE_VIEW = "enterprise.view"  # an enterprise's record, contacts included
    ENTERPRISE_CREATE = "enterprise.create"  # target: the building
    ENTERPRISE_EDIT = "enterprise.edit"
    OCCUPANCY_MANAGE = "occupancy.manage"  # move-in and move-out; target: enterprise or building
    ROSTER_IMPORT = "roster.import"  # target: the building
    ROSTER_EXPORT = "roster.export"  # target: the building
    COMMITTEE_MANAGE = "committee.manage"  # terms, appointing and ending floor leaders; target: building
    POSTER_PRINT = "poster.print"  # target: a floor or a building
    AUDIT_VIEW = "audit.view"  # target: the building
    NOTICE_VIEW = "notice.view"  # the staff view of notices and their reach; target: building or district
    NOTICE_WRITE = "notice.write"  # write, publish, withdraw, remind; target: building or district
    NOTICE_RELAY = "notice.relay"  # record relaying a notice to an enterprise; target: the floor
    # Cases. A handler's staff act on the cases dispatched to their handler through their
    # membership (louwei.cases.permissions), not through a role; submitters see their own cases.
    CASE_VIEW = "case.view"  # the cases of a building, floor or enterprise, with their timelines
    CASE_RAISE_FOR = "case.raise_for"  # raise a case on an enterprise's behalf; target: the floor
    CASE_ANSWER = "case.answer"  # answer on the spot or pass to the committee; target: the floor
    CASE_TRIAGE = "case.triage"  # accept, decline, merge, dispatch, reassign, verify, close, follow up; target: building
    CASE_FIGURES = "case.figures"  # the rates' dashboards and exports; target: building or district
    CASE_CONFIGURE = "case.configure"  # handlers and their staff, categories, Open311 keys; target: building or district
    # The staff health page: the installation's database, cache, task queue and periodic jobs, and
    # the notification failures of the district's buildings; target: the district.
    SYSTEM_HEALTH = "system.health"
    # The official working-day calendar is the State Council's, the same for the whole country:
    # asked with ``can_nationwide`` (no target), granted by roles with a district scope only.
    CALENDAR_MANAGE = "calendar.manage"  # enter or correct a year's days off and make-up working days

    ALL = (
        BUILDING_VIEW, BUILDING_EDIT, ENTERPRISE_VIEW, ENTERPRISE_CREATE, ENTERPRISE_EDIT, OCCUPANCY_MANAGE,
        ROSTER_IMPORT, ROSTER_EXPORT, COMMITTEE_MANAGE, POSTER_PRINT, AUDIT_VIEW,
        NOTICE_VIEW, NOTICE_WRITE, NOTICE_RELAY,
        CASE_VIEW, CASE_RAISE_FOR, CASE_ANSWER, CASE_TRIAGE, CASE_FIGURES, CASE_CONFIGURE,
        SYSTEM_HEALTH, CALENDAR_MANAGE,
    )

    # Actions on what belongs to no district, building or floor (``can_nationwide``).
    NATIONWIDE = frozenset({CALENDAR_MANAGE})

    # Actions a floor role has on its whole building, to open its (floor-filtered) staff pages.
    PARTIAL_BUILDING = frozenset({BUILDING_VIEW, NOTICE_VIEW, CASE_VIEW})


A = Action
_STAFF_READ = {A.BUILDING_VIEW, A.ENTERPRISE_VIEW, A.POSTER_PRINT, A.NOTICE_VIEW, A.CASE_VIEW, A.CASE_RAISE_FOR}
_FLOOR_DUTIES = {A.NOTICE_RELAY, A.CASE_ANSWER}

# The matrix: which actions each kind of role grants, within its own scope.
GRANTS: dict[str, frozenset[str]] = {
    # Relaying a notice in person and answering a floor's cases first are the floor leader's own
    # duties, nobody else's (the committee takes a case over by accepting it).
    RoleKind.DISTRICT_STAFF: frozenset(set(A.ALL) - _FLOOR_DUTIES),
    # The health page is the district's (and the superusers'): its figures span the buildings; and the
    # country's calendar is kept by the district, not by each building.
    RoleKind.COMMITTEE_SECRETARY: frozenset(set(A.ALL) - _FLOOR_DUTIES - {A.SYSTEM_HEALTH} - A.NATIONWIDE),
    RoleKind.COMMITTEE_MEMBER: frozenset(_STAFF_READ | {A.ROSTER_EXPORT, A.AUDIT_VIEW, A.CASE_TRIAGE, A.CASE_FIGURES}),
    RoleKind.PROPERTY_STAFF: frozenset(_STAFF_READ | {A.ROSTER_EXPORT, A.CASE_FIGURES}),
    # A floor leader works on their floors; they see their building's staff pages
    # (filtered to their floors) but change nothing in the registry.
    RoleKind.FLOOR_LEADER: frozenset(_STAFF_READ | _FLOOR_DUTIES),
    # An enterprise contact follows every case of their enterprise; an employee only their own.
    RoleKind.ENTERPRISE_CONTACT: frozenset({A.ENTERPRISE_VIEW, A.ENTERPRISE_EDIT, A.CASE_VIEW}),
    RoleKind.EMPLOYEE: frozenset({A.ENTERPRISE_VIEW}),
}


class _System:
    """The installation itself acting: a periodic task, the demo loader, a command a server operator
    runs without ``--user``. Passed as ``actor=access.SYSTEM`` so that system work is explicit in the
    code; ``actor=None`` is nobody and is refused. It may do everything, holds no role, and is
    audited with no person (``pk`` None, not authenticated: nothing stores it as a user)."""

    pk = None
    id = None
    is_authenticated = False
    is_anonymous = False
    is_active = True
    is_superuser = False

    def __repr__(self) -> str:
        return "access.SYSTEM"

    __str__ = __repr__


#: The one system actor (see :class:`_System`).
SYSTEM = _System()


def is_system(actor) -> bool:
    return actor is SYSTEM


@dataclass
class Scope:
    """Everything a person reaches with one action, as ids."""

    everything: bool = False
    party_committees: set[int] = field(default_factory=set)
    buildings: set[int] = field(default_factory=set)
    floors: set[int] = field(default_factory=set)
    enterprises: set[int] = field(default_factory=set)

    def is_empty(self) -> bool:
        return not (self.everything or self.party_committees or self.buildings or self.floors or self.enterprises)


def active_roles(user) -> list[Role]:
    """The person's active roles, read once per request and kept on the user object."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return user.active_roles()


def forget(user) -> None:
    """Drop the cached roles (after a role changed within the same request or test)."""
    if user is not None and getattr(user, "is_authenticated", False):
        user.forget_roles()


def role_kinds(user) -> set[str]:
    if user is None or not getattr(user, "is_active", False):
        return set()
    return {role.kind for role in active_roles(user)}


def scope(user, action: str) -> Scope:
    """The ids of every district, building, floor and enterprise where ``user`` may do ``action``."""
    if action not in A.ALL:
        raise ValueError(f"unknown action {action!r}")
    result = Scope()
    if user is SYSTEM:
        result.everything = True
        return result
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return result
    if user.is_superuser:
        result.everything = True
        return result
    for role in active_roles(user):
        if action not in GRANTS[role.kind]:
            continue
        if role.party_committee_id:
            result.party_committees.add(role.party_committee_id)
        elif role.building_id:
            result.buildings.add(role.building_id)
        elif role.floor_id:
            result.floors.add(role.floor_id)
        elif role.enterprise_id:
            result.enterprises.add(role.enterprise_id)
    return result


# ----------------------------------------------------------------------------------------------
# Querysets: "which of these may this user act on?"


def buildings(user, action: str = A.BUILDING_VIEW) -> QuerySet[Building]:
    """Buildings where ``user`` may do ``action`` at least on a part (a floor role reaches its floor)."""
    s = scope(user, action)
    if s.everything:
        return Building.objects.all()
    if s.is_empty():
        return Building.objects.none()
    floor_buildings = Floor.objects.filter(pk__in=s.floors).values("building_id")
    return Building.objects.filter(
        Q(party_committee_id__in=s.party_committees) | Q(pk__in=s.buildings) | Q(pk__in=floor_buildings)
    )


def floors(user, action: str = A.BUILDING_VIEW) -> QuerySet[Floor]:
    s = scope(user, action)
    if s.everything:
        return Floor.objects.all()
    if s.is_empty():
        return Floor.objects.none()
    return Floor.objects.filter(
        Q(building__party_committee_id__in=s.party_committees) | Q(building_id__in=s.buildings) | Q(pk__in=s.floors)
    )


def enterprises(user, action: str = A.ENTERPRISE_VIEW) -> QuerySet[Enterprise]:
    """Enterprises where ``user`` may do ``action``.

    District and building roles reach every enterprise that has ever occupied a unit of their
    buildings (former tenants stay on record); a floor role reaches the current tenants of its
    floors; an enterprise role reaches its own enterprise, wherever it is.
    """
    s = scope(user, action)
    if s.everything:
        return Enterprise.objects.all()
    if s.is_empty():
        return Enterprise.objects.none()
    ever_in_buildings = Occupancy.objects.filter(
        Q(unit__floor__building__party_committee_id__in=s.party_committees)
        | Q(unit__floor__building_id__in=s.buildings)
    )
    now_on_floors = Occupancy.objects.current().filter(unit__floor_id__in=s.floors)
    q = Q(pk__in=s.enterprises)
    if s.party_committees or s.buildings:
        q |= Q(pk__in=ever_in_buildings.values("enterprise_id"))
    if s.floors:
        q |= Q(pk__in=now_on_floors.values("enterprise_id"))
    return Enterprise.objects.filter(q)


def party_committees(user) -> QuerySet[PartyCommittee]:
    s = scope(user, A.BUILDING_VIEW)
    if s.everything:
        return PartyCommittee.objects.all()
    return PartyCommittee.objects.filter(pk__in=s.party_committees)


# ----------------------------------------------------------------------------------------------
# Single objects: "may this user do this to that?"


def can(user, action: str, target) -> bool:
    """May ``user`` do ``action`` to ``target``? For a building, the whole building is meant,
    except for the ``Action.PARTIAL_BUILDING`` views, which a floor role has on its own building
    (its pages are filtered to the floor)."""
    if target is None:
        return False
    s = scope(user, action)
    if s.everything:
        return True
    if s.is_empty():
        return False
    if isinstance(target, PartyCommittee):
        return target.pk in s.party_committees
    if isinstance(target, Building):
        if target.party_committee_id in s.party_committees or target.pk in s.buildings:
            return True
        return (
            action in A.PARTIAL_BUILDING and bool(s.floors) and target.floors.filter(pk__in=s.floors).exists()
        )
    if isinstance(target, Floor):
        if target.pk in s.floors or target.building_id in s.buildings:
            return True
        return bool(s.party_committees) and target.building.party_committee_id in s.party_committees
    if isinstance(target, Enterprise):
        if target.pk in s.enterprises:
            return True
        return enterprises(user, action).filter(pk=target.pk).exists()
    raise TypeError(f"no access rule for {type(target).__name__}")


def can_nationwide(user, action: str) -> bool:
    """May ``user`` do ``action`` to what is the same for the whole country (``Action.NATIONWIDE``:
    the official working-day calendar)? Superusers, and roles with a district scope that grant it."""
    if action not in A.NATIONWIDE:
        raise ValueError(f"{action!r} is not a nationwide action")
    return district_wide(user, action)


def anywhere(user, action: str) -> bool:
    """May ``user`` do ``action`` somewhere (on at least a district, building, floor or enterprise)?
    The question a page's link asks before it is shown; no query (the roles are read once)."""
    return not scope(user, action).is_empty()


def district_wide(user, action: str) -> bool:
    """May ``user`` do ``action`` in a whole district (a role with a district scope), or everywhere
    (a superuser)? No query."""
    s = scope(user, action)
    return s.everything or bool(s.party_committees)


def granting_roles(user, action: str) -> list[Role]:
    """The person's active roles that grant ``action``, in their order: each reaches one district,
    building, floor or enterprise (``party_committee``, ``building_id``, ``floor``, ``enterprise_id``).
    For the shell, which names a person's places without asking what kind each role is. No query."""
    if action not in A.ALL:
        raise ValueError(f"unknown action {action!r}")
    if user is None or user is SYSTEM or not getattr(user, "is_active", False):
        return []
    return [role for role in active_roles(user) if action in GRANTS[role.kind]]


def require_nationwide(user, action: str) -> None:
    """Raise ``PermissionDenied`` (HTTP 403) unless ``can_nationwide(user, action)``."""
    if not can_nationwide(user, action):
        raise PermissionDenied(action)


def require(user, action: str, target) -> None:
    """Raise ``PermissionDenied`` (HTTP 403) unless ``can(user, action, target)``."""
    if not can(user, action, target):
        raise PermissionDenied(action)


def is_administrator(user) -> bool:
    """An active superuser, or the system: who manages accounts, district roles and every API token."""
    if user is SYSTEM:
        return True
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_superuser)


def require_administrator(user) -> None:
    if not is_administrator(user):
        raise PermissionDenied("administrator")


def require_self_or_administrator(user, person) -> None:
    """What a person does to their own account (profile, password, API tokens): the person, or an
    administrator."""
    if is_administrator(user):
        return
    if not (getattr(user, "is_authenticated", False) and user.is_active and person is not None
            and user.pk == person.pk):
        raise PermissionDenied("self")


def require_signed_in(user) -> None:
    """What a signed-in person does to what is only theirs (their inbox, their notification
    choices): anybody active and signed in; nobody else, not the system."""
    if not (getattr(user, "is_authenticated", False) and user.is_active):
        raise PermissionDenied("signed in")


def is_building_staff(user) -> bool:
    """Does the person reach any building's staff pages (district, committee, property, floor leader)?"""
    return not scope(user, A.BUILDING_VIEW).is_empty()
