"""The notices' questions to ``louwei.access`` (NOTICE_VIEW, NOTICE_WRITE, NOTICE_RELAY), named for
what the views ask: a notice belongs to a building or to a whole district."""

from __future__ import annotations

from louwei import access
from louwei.access import Action
from louwei.accounts.models import RoleKind
from louwei.buildings.models import Building, Floor, PartyCommittee


def may_write(user, building_or_district) -> bool:
    """NOTICE_WRITE: district staff on their district (and its buildings), a committee secretary on
    their building. Same people as COMMITTEE_MANAGE today."""
    if not isinstance(building_or_district, (Building, PartyCommittee)):
        return False
    return access.can(user, Action.NOTICE_WRITE, building_or_district)


def may_view_staff(user, building_or_district) -> bool:
    """NOTICE_VIEW: the staff of a building (district staff, committee, property staff, the building's
    floor leaders) see its notices; district notices are seen by the district's staff."""
    if not isinstance(building_or_district, (Building, PartyCommittee)):
        return False
    return access.can(user, Action.NOTICE_VIEW, building_or_district)


def may_relay(user, floor: Floor) -> bool:
    """NOTICE_RELAY: the leader of that floor."""
    return access.can(user, Action.NOTICE_RELAY, floor)


def relay_floors(user):
    """The floors where ``user`` may relay (their own floor-leader floors), as a queryset."""
    return access.floors(user, Action.NOTICE_RELAY)


def enterprise_ids(user) -> list[int]:
    """The enterprises whose notices ``user`` receives: those where they are contact or employee."""
    return [
        role.enterprise_id for role in access.active_roles(user)
        if role.kind in (RoleKind.ENTERPRISE_CONTACT, RoleKind.EMPLOYEE)
    ]


def notice_scope(notice):
    """The building or district a notice belongs to (what the permissions above are asked about)."""
    return notice.building if notice.building_id else notice.party_committee


def may_write_notice(user, notice) -> bool:
    return may_write(user, notice_scope(notice))


def may_view_notice_staff(user, notice) -> bool:
    """Staff may see a notice of their scope; a district-wide notice is also seen (once published) by the
    staff of the district's buildings."""
    if may_view_staff(user, notice_scope(notice)):
        return True
    if notice.building_id is None and notice.status in ("published", "withdrawn"):
        return access.buildings(user, Action.NOTICE_VIEW).filter(party_committee_id=notice.party_committee_id).exists()
    return False


def enterprise_district_ids(user) -> set[int]:
    """The districts where the person's enterprises currently are."""
    from louwei.buildings.models import Occupancy

    ids = enterprise_ids(user)
    if not ids:
        return set()
    return set(
        Occupancy.objects.current()
        .filter(enterprise_id__in=ids)
        .values_list("unit__floor__building__party_committee_id", flat=True)
    )


def may_read_policy(user, notice) -> bool:
    """A published policy is public to the enterprises of its district (the policy library), whether
    or not it was delivered to theirs; reading it records no receipt without a delivery."""
    from .models import NoticeKind, NoticeStatus

    if notice.kind != NoticeKind.POLICY or notice.status != NoticeStatus.PUBLISHED:
        return False
    district = notice.party_committee_id or (notice.building.party_committee_id if notice.building_id else None)
    return district is not None and district in enterprise_district_ids(user)
