"""Load the demo building (``python manage.py load_demo``) from ``louwei.demo.data``.

Idempotent: every row is looked up by its natural key (codes, USCC, unit numbers, usernames)
and only created when missing; nothing that exists is changed, so a second run writes nothing
and an administrator's edits survive a re-run. Floor leaders are appointed through the
committee service, which grants their roles and writes the audit trail like a real appointment.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction

from louwei import access
from louwei.accounts.models import SCOPE_OF_ROLE, Role, RoleKind, User
from louwei.buildings.models import (
    Building,
    Enterprise,
    EnterpriseContact,
    Floor,
    Occupancy,
    PartyCommittee,
    PropertyCompany,
    Unit,
)
from louwei.centre.models import Facility, ServiceCentre
from louwei.committee import services as committee_services
from louwei.committee.models import BuildingCommittee, FloorLeader, Term
from louwei.core.audit import record

from . import avatars, data


@dataclass
class LoadResult:
    building: Building
    created: Counter = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return any(self.created.values())


class _Loader:
    def __init__(self, actor, now=None):
        self.actor = actor
        self.now = now  # the moment the demo cases lead up to (default: now)
        self.created: Counter = Counter()

    def get_or_create(self, model, label: str, defaults=None, **lookup):
        obj, created = model.objects.get_or_create(defaults=defaults or {}, **lookup)
        if created:
            self.created[label] += 1
        return obj

    @functools.cached_property
    def password_hash(self) -> str:
        # Hashing is slow on purpose; every demo login shares one hash of the one demo password.
        return make_password(data.PASSWORD)

    def person(self, spec: data.PersonSpec) -> User:
        user = User.objects.filter(username=spec.username).first()
        if user is None:
            user = User.objects.create(
                username=spec.username, name=spec.name, phone=spec.phone, password=self.password_hash
            )
            self.created["users"] += 1
        return user

    def role(self, user: User, kind: str, scope) -> Role:
        scope_field = SCOPE_OF_ROLE[RoleKind(kind)]
        role = Role.objects.active().filter(user=user, kind=kind, **{scope_field: scope}).first()
        if role is None:
            role = Role.objects.create(user=user, kind=kind, **{scope_field: scope})
            record(self.actor, "role.granted", role, user=user.pk, kind=kind, via="demo")
            self.created["roles"] += 1
        return role

    # ------------------------------------------------------------------------------------------

    def load(self) -> LoadResult:
        generated = data.generate()
        district = self.get_or_create(
            PartyCommittee, "districts", code=data.DISTRICT["code"],
            defaults={"name": data.DISTRICT["name"], "district": data.DISTRICT["district"]},
        )
        company = self.get_or_create(
            PropertyCompany, "property companies", name=data.PROPERTY_COMPANY["name"],
            defaults={"phone": data.PROPERTY_COMPANY["phone"], "uscc": generated["property_company_uscc"]},
        )
        building = self.get_or_create(
            Building, "buildings", code=data.BUILDING["code"],
            defaults={
                "party_committee": district, "name": data.BUILDING["name"], "address": data.BUILDING["address"],
                "property_company": company, "is_pilot": data.BUILDING["is_pilot"],
            },
        )
        floors = {
            number: self.get_or_create(
                Floor, "floors", building=building, number=number,
                defaults={"name": data.FLOOR_NAMES.get(number, "")},
            )
            for number in range(1, data.FLOOR_COUNT + 1)
        }
        units = {
            (number, unit): self.get_or_create(
                Unit, "units", floor=floor, number=unit, defaults={"area": data.unit_area(unit)}
            )
            for number, floor in floors.items()
            for unit in data.unit_numbers(number)
        }
        self.load_centre(building, floors[1])
        enterprises = self.load_enterprises(generated["enterprises"], units)
        term = self.load_committee(building)
        self.load_leaders(generated["leaders"], floors, enterprises, term)
        self.load_logins(generated["logins"], district, building, floors, enterprises)
        self.load_notices(building, district)
        self.load_cases(generated, building, district, enterprises)
        if any(self.created.values()):
            record(self.actor, "demo.loaded", building, created=dict(self.created))
        return LoadResult(building=building, created=self.created)

    def load_notices(self, building: Building, district: PartyCommittee) -> None:
        """A few notices and policies, published by the secretary; some read, some not, so floor
        5's leader has a "not yet read on my floors" list."""
        from louwei.demo.notices import load_demo_notices
        from louwei.notices.models import Notice

        before = Notice.objects.count()
        secretary = User.objects.filter(username="secretary").first()
        district_staff = User.objects.filter(username="district").first()
        load_demo_notices(building, district, actor=secretary or self.actor, district_actor=district_staff or self.actor)
        self.created["notices"] += Notice.objects.count() - before

    def load_cases(self, generated, building: Building, district: PartyCommittee, enterprises) -> None:
        """The handlers' staff logins, an employee per floor who uses the app, then the handlers and
        about a hundred cases in every state (``louwei.demo.cases``)."""
        from louwei.demo.cases import load_demo_cases

        for spec in generated["handler_logins"]:
            self.person(spec.person)
        leader_enterprises = {spec.enterprise_uscc for spec in generated["leaders"]}
        for floor, person in generated["employees"].items():
            user = self.person(person)
            tenant = next(
                e for e in generated["enterprises"]
                if e.current and floor in e.floors and e.uscc not in leader_enterprises
            )
            self.role(user, RoleKind.EMPLOYEE, enterprises[tenant.uscc])
        self.created.update(load_demo_cases(building, district, now=self.now))

    def load_centre(self, building: Building, ground_floor: Floor) -> None:
        centre = self.get_or_create(
            ServiceCentre, "service centres", building=building,
            defaults={"floor": ground_floor, **data.SERVICE_CENTRE},
        )
        for facility in data.FACILITIES:
            self.get_or_create(
                Facility, "facilities", centre=centre, name=facility["name"],
                defaults={k: v for k, v in facility.items() if k != "name"},
            )

    def load_enterprises(self, specs, units) -> dict[str, Enterprise]:
        enterprises = {}
        for spec in specs:
            enterprise = self.get_or_create(
                Enterprise, "enterprises", uscc=spec.uscc,
                defaults={
                    "name": spec.name, "industry": spec.industry, "employee_count": spec.employee_count,
                    "party_organisation": spec.party_organisation, "party_member_count": spec.party_member_count,
                    "phone": spec.phone,
                },
            )
            enterprises[spec.uscc] = enterprise
            if not EnterpriseContact.objects.filter(enterprise=enterprise, is_primary=True).exists():
                EnterpriseContact.objects.create(
                    enterprise=enterprise, name=spec.contact.name, title=spec.contact.title,
                    phone=spec.contact.phone, is_primary=True,
                )
                self.created["contacts"] += 1
            for tenancy in spec.tenancies:
                self.get_or_create(
                    Occupancy, "occupancies", enterprise=enterprise, unit=units[(tenancy.floor, tenancy.unit)],
                    started_on=tenancy.started_on, defaults={"ended_on": tenancy.ended_on},
                )
        return enterprises

    def load_committee(self, building: Building) -> Term:
        committee = BuildingCommittee.objects.filter(building=building).first()
        if committee is None:
            committee = committee_services.ensure_committee(
                actor=self.actor, building=building, name=data.COMMITTEE["name"],
                founded_on=data.COMMITTEE["founded_on"], phone=data.COMMITTEE["phone"],
            )
            self.created["committees"] += 1
        term = Term.objects.filter(committee=committee, number=data.FIRST_TERM["number"]).first()
        if term is None:
            term = committee_services.create_term(
                actor=self.actor, committee=committee, number=data.FIRST_TERM["number"],
                started_on=data.FIRST_TERM["started_on"],
            )
            self.created["terms"] += 1
        return term

    def load_leaders(self, specs, floors, enterprises, term: Term) -> None:
        for spec in specs:
            user = self.person(spec.person)
            enterprise = enterprises[spec.enterprise_uscc]
            # A floor leader also works for an enterprise on the floor.
            self.role(user, RoleKind.EMPLOYEE, enterprise)
            floor = floors[spec.floor]
            if FloorLeader.objects.serving().filter(floor=floor).exists():
                continue
            committee_services.appoint_floor_leader(
                actor=self.actor, floor=floor, user=user, term=term, method=spec.method,
                started_on=data.APPOINTED_ON, enterprise=enterprise,
                nominated_by=enterprises[spec.nominated_by_uscc] if spec.nominated_by_uscc else None,
                public_phone=spec.person.phone, photo=avatars.silhouette(spec.floor),
            )
            self.created["floor leaders"] += 1

    def load_logins(self, specs, district, building, floors, enterprises) -> None:
        for spec in specs:
            user = self.person(spec.person)
            where, _, key = spec.scope.partition(":")
            if spec.kind == RoleKind.FLOOR_LEADER:
                continue  # appointed with the other floor leaders
            if where == "district":
                scope = district
            elif where == "building":
                scope = building
            elif where == "floor":
                scope = floors[int(key)]
            else:
                scope = enterprises[key]
            self.role(user, spec.kind, scope)
            if spec.kind == RoleKind.ENTERPRISE_CONTACT:
                EnterpriseContact.objects.filter(enterprise=scope, is_primary=True, user__isnull=True).update(user=user)


def load_demo(*, actor=access.SYSTEM, now=None) -> LoadResult:
    """Create whatever part of the demo building is missing; return what was created. The demo
    cases lead up to ``now`` (default: the moment of loading)."""
    with transaction.atomic():
        return _Loader(actor, now=now).load()


def demo_building() -> Building | None:
    return Building.objects.filter(code=data.BUILDING["code"]).first()
