"""The people and places of the load test's Monday morning: ``python -m bench.load prepare``.

First the demo building (``load_demo``: the district 太白湖新区, 新城发展大厦B座 with its floor
leaders, handlers, notices and about a hundred cases), then ``buildings`` more buildings of the same
district, each with ``floors`` floors, ``per_floor`` enterprises on every floor (one employee login
each), a serving floor leader per floor, a committee secretary, a property-staff login that is also
a member of the building's property handler, and ``cases`` open cases per floor raised through
``louwei.cases.services`` (so the numbers, timelines, figures and notifications are the real ones):
one still with the floor leader, one passed on to the committee and one dispatched to the property
handler. ``district_staff`` district logins complete the staff.

Every login made here shares one password (``PASSWORD``, one hash computed once, as the demo loader
does), and each is a distinct person, so that each simulated user logs in as someone else and the
login limits (which count failed attempts only) are never touched. The usernames go to a JSON file
that the locustfile reads (:func:`write_accounts`). The rows are written in bulk, like the cases
benchmark's (``bench/case_pages.py``): this is load-test data, not an administrator's work, so the
roles carry no audit rows of their own.

Refuses to run on production settings (``LOUWEI_PRODUCTION``), as ``load_demo`` does: the password
is public.
"""

from __future__ import annotations

import datetime
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from louwei.accounts.models import Role, RoleKind, User
from louwei.buildings.models import Building, Enterprise, Floor, Industry, Occupancy, PartyCommittee, Unit
from louwei.cases import services as case_services
from louwei.cases.models import Category, Channel, Handler, HandlerKind, HandlerMember
from louwei.committee.models import AppointmentMethod, BuildingCommittee, FloorLeader, Term
from louwei.demo import data as demo_data
from louwei.demo.loader import load_demo
from louwei.testing.factories import make_uscc

PASSWORD = "louwei-load"
PREFIX = "LOAD"
SEED = 20261130
TEXTS = ["走廊灯不亮，请尽快维修。", "空调不制冷，室温偏高。", "电梯经常停在本层不关门。", "卫生间没有纸巾。",
         "咨询招用高校毕业生的社保补贴。", "建议服务中心中午开放休息区。", "地下车库车位不够。", "消防通道被纸箱堵住。"]


@dataclass
class Accounts:
    """Who the simulated users log in as, by kind; ``floors``: the floor codes the QR visitors scan."""

    password: str = PASSWORD
    district: str = ""
    leaders: list[str] = field(default_factory=list)
    employees: list[str] = field(default_factory=list)
    secretaries: list[dict] = field(default_factory=list)  # {"username", "building"}
    property: list[dict] = field(default_factory=list)  # {"username", "building"}
    district_staff: list[str] = field(default_factory=list)
    floors: list[str] = field(default_factory=list)
    buildings: list[str] = field(default_factory=list)


def _leaf_categories() -> list[Category]:
    categories = list(Category.objects.filter(is_active=True).order_by("position", "code"))
    parents = {c.parent_id for c in categories if c.parent_id}
    return [c for c in categories if c.pk not in parents]


def _bulk_users(password_hash: str, specs: list[tuple[str, str]]) -> list[User]:
    return User.objects.bulk_create([User(username=u, name=n, password=password_hash) for u, n in specs])


@transaction.atomic
def prepare(*, buildings: int = 9, floors: int = 20, per_floor: int = 3, cases: int = 3,
            district_staff: int = 10, demo: bool = True) -> Accounts:
    """Write the data (into an empty database) and return the accounts. ``demo=False`` skips the
    demo building (for tests: it takes a while); the district is then made here."""
    if getattr(settings, "LOUWEI_PRODUCTION", False):
        raise ImproperlyConfigured("The load-test data has a public password: it is never loaded in production.")
    rng = random.Random(SEED)
    if demo:
        load_demo()
        district = PartyCommittee.objects.get(code=demo_data.DISTRICT["code"])
    else:
        district = PartyCommittee.objects.create(code="LOADD", name="负载测试两新组织党委", district="负载测试区")
    password_hash = make_password(PASSWORD)
    accounts = Accounts(district=district.code)

    made = Building.objects.bulk_create([
        Building(party_committee=district, code=f"{PREFIX}-{n:02d}", name=f"负载测试大厦{n:02d}")
        for n in range(1, buildings + 1)
    ])
    floor_rows = Floor.objects.bulk_create([
        Floor(building=b, number=number, code=b.floor_code(number)) for b in made for number in range(1, floors + 1)
    ])
    units = Unit.objects.bulk_create([
        Unit(floor=f, number=f"{f.number:02d}{k + 1:02d}", area=120) for f in floor_rows for k in range(per_floor)
    ])
    enterprises = Enterprise.objects.bulk_create([
        Enterprise(name=f"负载测试{u.floor.code}-{u.number}科技有限公司", uscc=make_uscc(9_000_000 + i),
                   industry=rng.choice(list(Industry.values)), employee_count=rng.randint(10, 200),
                   party_member_count=rng.randint(0, 10))
        for i, u in enumerate(units)
    ])
    started = datetime.date(2024, 1, 1)
    Occupancy.objects.bulk_create([
        Occupancy(enterprise=e, unit=u, started_on=started) for e, u in zip(enterprises, units, strict=True)
    ])

    # One employee login per enterprise.
    employees = _bulk_users(password_hash, [(f"load-emp-{u.floor.code}-{u.number}".lower(), f"员工{u.floor.code}-{u.number}")
                                            for u in units])
    Role.objects.bulk_create([Role(user=p, kind=RoleKind.EMPLOYEE, enterprise=e)
                              for p, e in zip(employees, enterprises, strict=True)])
    accounts.employees = [p.username for p in employees]

    # The committee, its first term and a serving floor leader per floor, working for the floor's first enterprise.
    committees = BuildingCommittee.objects.bulk_create([BuildingCommittee(building=b, name=f"{b.name}楼委会")
                                                        for b in made])
    terms = {t.committee.building_id: t for t in Term.objects.bulk_create(
        [Term(committee=c, number=1, started_on=started) for c in committees])}
    leaders = _bulk_users(password_hash, [(f"load-leader-{f.code}".lower(), f"楼长{f.code}") for f in floor_rows])
    roles = Role.objects.bulk_create([Role(user=u, kind=RoleKind.FLOOR_LEADER, floor=f)
                                      for u, f in zip(leaders, floor_rows, strict=True)])
    first_enterprise = {u.floor_id: e for u, e in reversed(list(zip(units, enterprises, strict=True)))}
    Role.objects.bulk_create([Role(user=u, kind=RoleKind.EMPLOYEE, enterprise=first_enterprise[f.pk])
                              for u, f in zip(leaders, floor_rows, strict=True)])
    FloorLeader.objects.bulk_create([
        FloorLeader(floor=f, term=terms[f.building_id], user=u, enterprise=first_enterprise[f.pk],
                    appointment_method=AppointmentMethod.ASSIGNED, public_phone="0537-2000000", started_on=started,
                    role=r)
        for f, u, r in zip(floor_rows, leaders, roles, strict=True)
    ])
    accounts.leaders = [u.username for u in leaders]
    accounts.floors = [f.code for f in floor_rows]
    accounts.buildings = [b.code for b in made]

    # Each building's secretary, and its property staff (also the property handler's staff).
    secretaries = _bulk_users(password_hash, [(f"load-sec-{b.code}".lower(), f"书记{b.code}") for b in made])
    wuye = _bulk_users(password_hash, [(f"load-wuye-{b.code}".lower(), f"物业{b.code}") for b in made])
    Role.objects.bulk_create(
        [Role(user=u, kind=RoleKind.COMMITTEE_SECRETARY, building=b) for u, b in zip(secretaries, made, strict=True)]
        + [Role(user=u, kind=RoleKind.PROPERTY_STAFF, building=b) for u, b in zip(wuye, made, strict=True)]
    )
    handlers = Handler.objects.bulk_create([Handler(name="物业服务中心", kind=HandlerKind.PROPERTY, building=b)
                                            for b in made])
    HandlerMember.objects.bulk_create([HandlerMember(handler=h, user=u, is_manager=True)
                                       for h, u in zip(handlers, wuye, strict=True)])
    accounts.secretaries = [{"username": u.username, "building": b.code} for u, b in zip(secretaries, made, strict=True)]
    accounts.property = [{"username": u.username, "building": b.code} for u, b in zip(wuye, made, strict=True)]

    staff = _bulk_users(password_hash, [(f"load-district-{n:02d}", f"区两新党委{n:02d}")
                                        for n in range(1, district_staff + 1)])
    Role.objects.bulk_create([Role(user=u, kind=RoleKind.DISTRICT_STAFF, party_committee=district) for u in staff])
    accounts.district_staff = [u.username for u in staff]

    _raise_cases(rng, cases, floor_rows, units, employees, leaders, secretaries, handlers, made)
    return accounts


def _raise_cases(rng, per_floor, floor_rows, units, employees, leaders, secretaries, handlers, made) -> None:
    """``per_floor`` open cases on each floor, through the services: with the leader, referred,
    dispatched to the property handler (in turn)."""
    categories = _leaf_categories()
    employee_on = {}
    for unit, person in zip(units, employees, strict=True):
        employee_on.setdefault(unit.floor_id, []).append(person)
    leader_of = dict(zip((f.pk for f in floor_rows), leaders, strict=True))
    secretary_of = dict(zip((b.pk for b in made), secretaries, strict=True))
    handler_of = dict(zip((b.pk for b in made), handlers, strict=True))
    for floor in floor_rows:
        for n in range(per_floor):
            raised = case_services.raise_case(
                actor=rng.choice(employee_on[floor.pk]), floor=floor, category=rng.choice(categories),
                description=rng.choice(TEXTS), channel=Channel.APP,
            ).case
            if n % 3 >= 1:
                raised = case_services.pass_on(actor=leader_of[floor.pk], case=raised)
            if n % 3 == 2:
                case_services.accept(actor=secretary_of[floor.building_id], case=raised,
                                     handler=handler_of[floor.building_id])


def write_accounts(accounts: Accounts, path: Path) -> None:
    """The accounts as the locustfile reads them."""
    path.write_text(json.dumps(accounts.__dict__, ensure_ascii=False, indent=1), encoding="utf-8")
