"""What the notice pages and the API read. Query counts do not grow with the data.

The audience of a notice is resolved in ONE place, :func:`audience_queryset`; publication, the
preview and the move-in delivery all use it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Value, When

from louwei import access
from louwei.access import Action
from louwei.accounts.models import Role, RoleKind, User
from louwei.buildings.models import Enterprise, Floor, Occupancy

from . import permissions
from .models import AudienceRule, Delivery, Notice, NoticeKind, NoticeStatus, Read, Relay

ENTERPRISE_ROLES = (RoleKind.ENTERPRISE_CONTACT, RoleKind.EMPLOYEE)
# Newest first, the unpublished (drafts, scheduled) on top, the same on SQLite and PostgreSQL.
NEWEST = F("published_at").desc(nulls_first=True)


@dataclass
class AudienceSpec:
    """An audience rule as plain values (a saved rule, or a form not saved yet for the preview)."""

    party_committee_id: int
    building_id: int | None = None  # the notice's own building (None: district-wide)
    building_ids: list[int] = field(default_factory=list)
    floors: list[tuple[int, int]] = field(default_factory=list)  # (floor id, building id)
    industries: list[str] = field(default_factory=list)
    min_employees: int | None = None
    max_employees: int | None = None
    party_organisations: list[str] = field(default_factory=list)
    enterprise_ids: list[int] = field(default_factory=list)


def spec_of(rule: AudienceRule) -> AudienceSpec:
    """The values of a saved rule (three small queries)."""
    notice = rule.notice
    return AudienceSpec(
        party_committee_id=notice.party_committee_id,
        building_id=notice.building_id,
        building_ids=list(rule.buildings.values_list("pk", flat=True)),
        floors=list(rule.floors.values_list("pk", "building_id")),
        industries=list(rule.industries or []),
        min_employees=rule.min_employees,
        max_employees=rule.max_employees,
        party_organisations=list(rule.party_organisations or []),
        enterprise_ids=list(rule.enterprises.values_list("pk", flat=True)),
    )


def audience_queryset(rule: AudienceRule | AudienceSpec) -> QuerySet[Enterprise]:
    """The enterprises a rule reaches, without duplicates.

    Places: the chosen floors, plus the chosen buildings in which no floor was chosen (a chosen floor
    narrows its building); no place chosen means the notice's whole scope (its building, else its
    district). Enterprises currently occupying a unit in those places AND matching every non-empty
    filter (industry sections, employee band, Party organisation kinds), UNION the named enterprises.
    """
    spec = spec_of(rule) if isinstance(rule, AudienceRule) else rule
    current = Occupancy.objects.current()
    floor_ids = [f for f, _b in spec.floors]
    narrowed = {b for _f, b in spec.floors}
    bare_buildings = [b for b in spec.building_ids if b not in narrowed]
    if floor_ids or bare_buildings:
        current = current.filter(Q(unit__floor_id__in=floor_ids) | Q(unit__floor__building_id__in=bare_buildings))
    elif spec.building_id:
        current = current.filter(unit__floor__building_id=spec.building_id)
    else:
        current = current.filter(unit__floor__building__party_committee_id=spec.party_committee_id)
    condition = Q(pk__in=current.values("enterprise_id"))
    if spec.industries:
        condition &= Q(industry__in=spec.industries)
    if spec.min_employees is not None:
        condition &= Q(employee_count__gte=spec.min_employees)
    if spec.max_employees is not None:
        condition &= Q(employee_count__lte=spec.max_employees)
    if spec.party_organisations:
        condition &= Q(party_organisation__in=spec.party_organisations)
    if spec.enterprise_ids:
        condition |= Q(pk__in=spec.enterprise_ids)
    return Enterprise.objects.filter(condition)


def people_of(enterprises: QuerySet[Enterprise]) -> QuerySet[User]:
    """The active users holding an active contact or employee role in these enterprises (a queryset)."""
    roles = Role.objects.active().filter(kind__in=ENTERPRISE_ROLES, enterprise__in=enterprises.values("pk"))
    return User.objects.filter(is_active=True, pk__in=roles.values("user_id"))


def audience_preview(spec: AudienceSpec) -> dict:
    """How many enterprises and people a rule reaches (two count queries)."""
    enterprises = audience_queryset(spec)
    return {"enterprises": enterprises.count(), "people": people_of(enterprises).count()}


# ----------------------------------------------------------------------------------------------
# Lists


def notices_for(user, *, kind: str | None = None) -> QuerySet[Notice]:
    """The notices ``user`` may see: staff see the notices of their scope (withdrawn ones included);
    enterprise people see the published notices delivered to their enterprise and every published
    policy of their district, policies first, each annotated ``is_read`` (read by this person)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Notice.objects.none()
    own = permissions.enterprise_ids(user)
    delivered = Delivery.objects.filter(notice=OuterRef("pk"), enterprise_id__in=own)
    condition = Q(pk__in=[])
    staff = access.is_building_staff(user) or user.is_superuser
    if staff:
        condition |= permissions.staff_condition(user)
    if own:
        condition |= Q(status=NoticeStatus.PUBLISHED) & Exists(delivered)
        # Policies are public to the enterprises of their district (the policy library).
        districts = permissions.enterprise_district_ids(user)
        condition |= Q(status=NoticeStatus.PUBLISHED, kind=NoticeKind.POLICY) & (
            Q(party_committee_id__in=districts) | Q(building__party_committee_id__in=districts)
        )
    qs = Notice.objects.filter(condition).select_related("party_committee", "building", "created_by")
    if kind:
        qs = qs.filter(kind=kind)
    if own:
        qs = qs.annotate(
            is_read=Exists(Read.objects.filter(delivery__notice=OuterRef("pk"), user=user)),
            policy_first=Case(When(kind=NoticeKind.POLICY, then=Value(0)), default=Value(1),
                              output_field=IntegerField()),
        ).order_by("policy_first", NEWEST, "-pk")
    else:
        qs = qs.order_by(NEWEST, "-created_at", "-pk")
    return qs


def delivery_for(user, notice) -> Delivery | None:
    """The delivery of ``notice`` to one of the person's enterprises (their first), or None."""
    own = permissions.enterprise_ids(user)
    if not own:
        return None
    return Delivery.objects.filter(notice=notice, enterprise_id__in=own).select_related("enterprise").first()


def deliveries_of(notice) -> QuerySet[Delivery]:
    """The notice's deliveries with the enterprise, the first reader and the relay count."""
    return (
        Delivery.objects.filter(notice=notice)
        .select_related("enterprise", "first_read_by")
        .annotate(relay_count=Count("relays", distinct=True))
        .order_by("enterprise__name", "pk")
    )


def visible_deliveries(user, notice) -> QuerySet[Delivery] | None:
    """The notice's deliveries to the enterprises ``user`` may view (ENTERPRISE_VIEW), for staff of the
    notice's scope; ``None`` for anyone else (enterprise people see their own read state instead).
    The staff page and the API list exactly these: a floor leader her floors' enterprises, another
    building's secretary none of this building's."""
    if not permissions.may_view_notice_staff(user, notice):
        return None
    return deliveries_of(notice).filter(enterprise__in=access.enterprises(user, Action.ENTERPRISE_VIEW))


def reach(notice, user=None) -> dict:
    """Reach figures: totals and per floor / per building counts of reached, read and relayed
    enterprises (an enterprise on two floors counts on each). Three aggregate queries. With ``user``,
    only what they may see: the deliveries of :func:`visible_deliveries`, on the floors they may view."""
    deliveries = Delivery.objects.filter(notice=notice)
    occupancies = Occupancy.objects.current().filter(enterprise__notice_deliveries__notice=notice)
    if user is not None:
        visible = access.enterprises(user, Action.ENTERPRISE_VIEW)
        deliveries = deliveries.filter(enterprise__in=visible)
        occupancies = occupancies.filter(enterprise__in=visible,
                                         unit__floor__in=access.floors(user, Action.BUILDING_VIEW))
    totals = deliveries.aggregate(
        reached=Count("pk"),
        read=Count("pk", filter=Q(first_read_at__isnull=False)),
        relayed=Count("pk", filter=Q(Exists(Relay.objects.filter(delivery=OuterRef("pk"))))),
    )

    def rows(*group_by):
        relayed = Relay.objects.filter(delivery__notice=notice, delivery__enterprise_id=OuterRef("enterprise_id"))
        return list(
            occupancies.values(*group_by)
            .annotate(
                reached=Count("enterprise_id", distinct=True),
                read=Count("enterprise_id", distinct=True,
                           filter=Q(enterprise__notice_deliveries__first_read_at__isnull=False)),
                relayed=Count("enterprise_id", distinct=True, filter=Q(Exists(relayed))),
            )
            .order_by(*group_by)
        )

    by_floor = rows("unit__floor__building__name", "unit__floor__number", "unit__floor_id")
    by_building = rows("unit__floor__building__name", "unit__floor__building_id")
    for row in by_floor + by_building:
        row["unread"] = row["reached"] - row["read"]
    for row in by_floor:
        row["floor_label"] = Floor(number=row["unit__floor__number"]).label
    return {"totals": totals, "by_floor": by_floor, "by_building": by_building}


def unread_on_my_floors(user) -> list[dict]:
    """For a floor leader: the published deliveries on their floors not read yet, grouped by notice and
    floor: ``[{"notice": Notice, "floor": Floor, "deliveries": [Delivery, ...]}]``. Three queries."""
    floors = {f.pk: f for f in permissions.relay_floors(user).select_related("building")}
    if not floors:
        return []
    rows = list(
        Occupancy.objects.current()
        .filter(
            unit__floor_id__in=list(floors),
            enterprise__notice_deliveries__first_read_at__isnull=True,
            enterprise__notice_deliveries__notice__status=NoticeStatus.PUBLISHED,
        )
        .values_list("unit__floor_id", "enterprise__notice_deliveries")
        .distinct()
    )
    delivery_ids = {d for _f, d in rows}
    deliveries = {
        d.pk: d
        for d in Delivery.objects.filter(pk__in=delivery_ids)
        .select_related("notice", "enterprise")
        .annotate(relay_count=Count("relays", distinct=True))
    }
    groups: dict[tuple[int, int], dict] = {}
    for floor_id, delivery_id in rows:
        delivery = deliveries[delivery_id]
        key = (delivery.notice_id, floor_id)
        group = groups.setdefault(key, {"notice": delivery.notice, "floor": floors[floor_id], "deliveries": []})
        if delivery not in group["deliveries"]:
            group["deliveries"].append(delivery)
    result = sorted(groups.values(), key=lambda g: (-(g["notice"].published_at.timestamp()
                                                      if g["notice"].published_at else 0), g["floor"].number))
    for group in result:
        group["deliveries"].sort(key=lambda d: d.enterprise.name)
    return result


def attachments_of(notice):
    return list(notice.attachments.all())


def staff_notices(user) -> QuerySet[Notice]:
    """The notices of the user's staff scope, every status (drafts, withdrawn ones shown as such)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Notice.objects.none()
    if not (user.is_superuser or access.is_building_staff(user)):
        return Notice.objects.none()
    return (
        Notice.objects.filter(permissions.staff_condition(user))
        .select_related("party_committee", "building", "created_by")
        .annotate(
            reached=Count("deliveries", distinct=True),
            read=Count("deliveries", filter=Q(deliveries__first_read_at__isnull=False), distinct=True),
        )
        .order_by(NEWEST, "-created_at", "-pk")
    )


def writable_scopes(user) -> list[dict]:
    """The buildings and districts where ``user`` may write notices (districts first), each as
    ``{"key": "d:CODE" | "b:CODE", "name": ..., "scope": obj}``."""
    from louwei.buildings.models import Building

    scopes = [{"key": f"d:{d.code}", "name": d.name, "scope": d}
              for d in access.party_committees(user) if permissions.may_write(user, d)]
    buildings = Building.objects.filter(pk__in=access.buildings(user, Action.COMMITTEE_MANAGE).values("pk")).exclude(
        party_committee__in=[s["scope"].pk for s in scopes]  # a district writer picks buildings in the audience
    )
    scopes += [{"key": f"b:{b.code}", "name": b.name, "scope": b}
               for b in buildings.select_related("party_committee").order_by("code")
               if permissions.may_write(user, b)]
    return scopes
