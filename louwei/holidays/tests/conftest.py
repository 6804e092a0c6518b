"""People for the official calendar's tests, and a made-up year.

2027's real holidays are not known to this code: the year below is made up for the tests (a
"元旦" Friday 1 – Sunday 3 January, a "春节" Thursday 11 – Wednesday 17 February with the Saturdays
6 and 20 February worked instead)."""

from dataclasses import dataclass

import pytest

from louwei.accounts.models import RoleKind
from louwei.testing.factories import BuildingFactory, FloorFactory, UserFactory, enterprise_on, grant

MADE_UP_OFF = "元旦 2027-01-01..2027-01-03\n春节 2027-02-11..2027-02-17"
MADE_UP_WORK = "2027-02-06, 2027-02-20"
NOTICE = "测试通知〔2026〕1号"


@dataclass
class People:
    district: object
    other_district: object
    superuser: object
    secretary: object
    member: object
    property_staff: object
    leader: object
    contact: object
    employee: object
    nobody: object

    def refused(self):
        return [self.secretary, self.member, self.property_staff, self.leader, self.contact, self.employee,
                self.nobody]


@pytest.fixture
def people(db) -> People:
    building, elsewhere = BuildingFactory(), BuildingFactory()
    floor = FloorFactory(building=building, number=5)
    enterprise = enterprise_on(floor)

    def person(kind=None, scope=None, **kwargs):
        user = UserFactory(**kwargs)
        if kind:
            grant(user, kind, scope)
        return user

    return People(
        district=person(RoleKind.DISTRICT_STAFF, building.party_committee, name="区委张"),
        other_district=person(RoleKind.DISTRICT_STAFF, elsewhere.party_committee),
        superuser=person(is_superuser=True),
        secretary=person(RoleKind.COMMITTEE_SECRETARY, building),
        member=person(RoleKind.COMMITTEE_MEMBER, building),
        property_staff=person(RoleKind.PROPERTY_STAFF, building),
        leader=person(RoleKind.FLOOR_LEADER, floor),
        contact=person(RoleKind.ENTERPRISE_CONTACT, enterprise),
        employee=person(RoleKind.EMPLOYEE, enterprise),
        nobody=person(),
    )
