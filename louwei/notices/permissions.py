"""The notices' questions to ``louwei.access`` (NOTICE_VIEW, NOTICE_WRITE, NOTICE_RELAY), named for
what the views ask: a notice belongs to a building or to a whole district."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from louwei import access
from louwei.access import Action
from louwei.accounts.models import RoleKind
from louwei.buildings.models import Building, Floor, Occupancy, PartyCommittee


def may_write(user, building_or_district) -> bool:
    """NOTICE_WRITE: district staff on their district (and its buildings), a committee secretary on
    their building. Same people as COMMITTEE_MANAGE today."""
    if not isinstance(building_or_district, (Building, PartyCommittee)):
        return False
    return access.can(user, Action.NOTICE_WRITE, building_or_district)


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


def staff_condition(user) -> Q:
    """The notices of ``user``'s staff scope (NOTICE_VIEW), as a condition on ``Notice``: district staff
    see every notice of their district; a building's committee and property staff their building's
    notices in every status and their district's once published (or withdrawn). A floor leader's
    scope is their floors: a published (or withdrawn) notice delivered to an enterprise now on one of
    them, never a draft or another floor's notice."""
    from .models import Delivery, NoticeStatus

    s = access.scope(user, Action.NOTICE_VIEW)
    if s.everything:
        return Q(pk__isnull=False)
    out = Q(status__in=[NoticeStatus.PUBLISHED, NoticeStatus.WITHDRAWN])
    condition = Q(pk__in=[])
    if s.party_committees:
        condition |= Q(party_committee_id__in=s.party_committees)
    if s.buildings:
        districts = Building.objects.filter(pk__in=s.buildings).values("party_committee_id")
        condition |= Q(building_id__in=s.buildings) | (out & Q(building__isnull=True, party_committee_id__in=districts))
    if s.floors:
        tenants = Occupancy.objects.current().filter(unit__floor_id__in=s.floors).values("enterprise_id")
        condition |= out & Exists(Delivery.objects.filter(notice=OuterRef("pk"), enterprise_id__in=tenants))
    return condition


def may_view_notice_staff(user, notice) -> bool:
    """Is ``notice`` in ``user``'s staff scope (:func:`staff_condition`)? One query."""
    from .models import Notice

    if notice.pk is None or access.scope(user, Action.NOTICE_VIEW).is_empty():
        return False
    return Notice.objects.filter(staff_condition(user), pk=notice.pk).exists()


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
