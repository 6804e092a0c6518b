"""factory-boy factories for tests and benchmarks. Each builds valid, saved objects."""

from __future__ import annotations

import datetime

import factory
from django.utils import timezone

from louwei.accounts.models import Role, RoleKind, User
from louwei.buildings.models import (
    Building,
    Enterprise,
    EnterpriseContact,
    Floor,
    Industry,
    Occupancy,
    PartyCommittee,
    PropertyCompany,
    Unit,
)
from louwei.committee.models import AppointmentMethod, BuildingCommittee, FloorLeader, Term
from louwei.core.validators import uscc_check_character

PASSWORD = "test-pass-123"


def make_uscc(n: int, authority: str = "9", kind: str = "1", region: str = "370800") -> str:
    """A valid 18-character USCC; distinct ``n`` give distinct codes."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body, value = "", n
    for _ in range(9):
        value, digit = divmod(value, 31)
        body = alphabet[digit] + body
    first17 = f"{authority}{kind}{region}{body}"
    return first17 + uscc_check_character(first17)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.Sequence(lambda n: f"测试用户{n}")
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class PartyCommitteeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartyCommittee
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"D{n:03d}")
    name = factory.Sequence(lambda n: f"测试区{n}两新组织党委")
    district = factory.Sequence(lambda n: f"测试区{n}")


class PropertyCompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PropertyCompany

    name = factory.Sequence(lambda n: f"测试物业{n}有限公司")


class BuildingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Building
        django_get_or_create = ("code",)

    party_committee = factory.SubFactory(PartyCommitteeFactory)
    code = factory.Sequence(lambda n: f"TB{n:03d}")
    name = factory.Sequence(lambda n: f"测试大厦{n}")
    property_company = factory.SubFactory(PropertyCompanyFactory)


class FloorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Floor
        django_get_or_create = ("building", "number")

    building = factory.SubFactory(BuildingFactory)
    number = factory.Sequence(lambda n: n % 150 + 1)


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit
        django_get_or_create = ("floor", "number")

    floor = factory.SubFactory(FloorFactory)
    number = factory.LazyAttributeSequence(lambda o, n: f"{max(o.floor.number, 0):02d}{n % 100:02d}")


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    name = factory.Sequence(lambda n: f"测试科技{n}有限公司")
    uscc = factory.Sequence(lambda n: make_uscc(n + 1))
    industry = Industry.I
    employee_count = 20
    party_member_count = 3


class OccupancyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Occupancy

    enterprise = factory.SubFactory(EnterpriseFactory)
    unit = factory.SubFactory(UnitFactory)
    started_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=365))


class EnterpriseContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EnterpriseContact

    enterprise = factory.SubFactory(EnterpriseFactory)
    name = factory.Sequence(lambda n: f"联系人{n}")
    phone = factory.Sequence(lambda n: f"138{n:08d}")


def enterprise_on(floor: Floor, **kwargs) -> Enterprise:
    """An enterprise that currently occupies a new unit on ``floor``."""
    enterprise = EnterpriseFactory(**kwargs)
    OccupancyFactory(enterprise=enterprise, unit=UnitFactory(floor=floor))
    return enterprise


def grant(user: User, kind: str, scope) -> Role:
    """Give ``user`` a role of ``kind`` over ``scope`` (district, building, floor or enterprise)."""
    from louwei.accounts.models import SCOPE_OF_ROLE

    field = SCOPE_OF_ROLE[RoleKind(kind)]
    role = Role.objects.create(user=user, kind=kind, **{field: scope})
    user.forget_roles()
    return role


class BuildingCommitteeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BuildingCommittee
        django_get_or_create = ("building",)

    building = factory.SubFactory(BuildingFactory)
    name = factory.LazyAttribute(lambda o: f"{o.building.name}楼委会")


class TermFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Term
        django_get_or_create = ("committee", "number")

    committee = factory.SubFactory(BuildingCommitteeFactory)
    number = 1
    started_on = datetime.date(2021, 9, 10)


class FloorLeaderFactory(factory.django.DjangoModelFactory):
    """A serving floor leader with the matching floor-leader role (as the committee service makes)."""

    class Meta:
        model = FloorLeader

    floor = factory.SubFactory(FloorFactory)
    term = factory.LazyAttribute(lambda o: TermFactory(committee=BuildingCommitteeFactory(building=o.floor.building)))
    user = factory.SubFactory(UserFactory)
    enterprise = factory.LazyAttribute(lambda o: enterprise_on(o.floor))
    appointment_method = AppointmentMethod.ASSIGNED
    public_phone = factory.LazyAttribute(lambda o: o.user.phone or "13900000000")
    started_on = datetime.date(2021, 9, 10)
    role = factory.LazyAttribute(lambda o: grant(o.user, RoleKind.FLOOR_LEADER, o.floor))


# --- Cases ----------------------------------------------------------------------------------
# Categories and deadline rules are seeded by the cases migration: use ``category("repairs")``.


def category(code: str = "repairs"):
    from louwei.cases.models import Category

    return Category.objects.get(code=code)


class HandlerFactory(factory.django.DjangoModelFactory):
    """A building's handler (the property company by default)."""

    class Meta:
        model = "cases.Handler"

    name = factory.Sequence(lambda n: f"承办单位{n}")
    kind = "property"
    building = factory.SubFactory(BuildingFactory)
    party_committee = None


class HandlerMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "cases.HandlerMember"

    handler = factory.SubFactory(HandlerFactory)
    user = factory.SubFactory(UserFactory)


class CaseFactory(factory.django.DjangoModelFactory):
    """A case written directly (no service, no event, no figures): for pages that only read.
    Tests of the loop raise cases through ``louwei.cases.services.raise_case``."""

    class Meta:
        model = "cases.Case"

    floor = factory.SubFactory(FloorFactory)
    building = factory.LazyAttribute(lambda o: o.floor.building)
    category = factory.LazyFunction(category)
    urgency = "general"
    description = factory.Sequence(lambda n: f"第{n}号诉求：走廊灯不亮，请尽快维修。")
    channel = "app"
    number = factory.Sequence(lambda n: f"20260101-{n + 1:04d}")
    submitted_at = factory.LazyFunction(timezone.now)
    respond_by = factory.LazyAttribute(lambda o: o.submitted_at + datetime.timedelta(days=1))
    due_at = factory.LazyAttribute(lambda o: o.submitted_at + datetime.timedelta(days=7))
