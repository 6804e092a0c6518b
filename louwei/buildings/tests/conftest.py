"""Fixtures for the registry's tests: one building with six floors, people in every role, and
helpers to build roster workbooks with openpyxl (no binary fixtures)."""

from __future__ import annotations

import datetime
import io

import pytest
from django.utils import translation

from louwei.accounts.models import RoleKind
from louwei.buildings.models import Industry
from louwei.buildings.roster import COLUMNS, SHEET_DATA
from louwei.testing.factories import (
    BuildingFactory,
    EnterpriseContactFactory,
    FloorFactory,
    UserFactory,
    enterprise_on,
    grant,
    make_uscc,
)

HEADERS = [column.header for column in COLUMNS]


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English, whatever the default language."""
    with translation.override("en"):
        yield


@pytest.fixture
def building(db):
    building = BuildingFactory(code="TB-A", name="测试大厦A座")
    for number in range(1, 7):
        FloorFactory(building=building, number=number)
    return building


@pytest.fixture
def other_building(db):
    building = BuildingFactory(code="TB-Z", name="别处大厦")
    FloorFactory(building=building, number=1)
    return building


def floor(building, number):
    return building.floors.get(number=number)


@pytest.fixture
def floor5(building):
    return floor(building, 5)


@pytest.fixture
def ent5(floor5):
    """An enterprise on floor 5 with a main contact."""
    enterprise = enterprise_on(floor5, name="五楼科技有限公司")
    EnterpriseContactFactory(enterprise=enterprise, name="张三", phone="13800000005", is_primary=True)
    return enterprise


@pytest.fixture
def ent2(building):
    return enterprise_on(floor(building, 2), name="二楼商贸有限公司", industry=Industry.F)


def _user(kind=None, scope=None, **kwargs):
    user = UserFactory(**kwargs)
    if kind:
        grant(user, kind, scope)
    return user


@pytest.fixture
def secretary(building):
    return _user(RoleKind.COMMITTEE_SECRETARY, building, username="secretary")


@pytest.fixture
def district(building):
    return _user(RoleKind.DISTRICT_STAFF, building.party_committee, username="district")


@pytest.fixture
def member(building):
    return _user(RoleKind.COMMITTEE_MEMBER, building, username="member")


@pytest.fixture
def property_staff(building):
    return _user(RoleKind.PROPERTY_STAFF, building, username="property")


@pytest.fixture
def leader5(floor5):
    return _user(RoleKind.FLOOR_LEADER, floor5, username="leader5")


@pytest.fixture
def leader_elsewhere(other_building):
    return _user(RoleKind.FLOOR_LEADER, other_building.floors.get(number=1), username="leader_elsewhere")


@pytest.fixture
def contact5(ent5):
    return _user(RoleKind.ENTERPRISE_CONTACT, ent5, username="contact5")


@pytest.fixture
def contact2(ent2):
    return _user(RoleKind.ENTERPRISE_CONTACT, ent2, username="contact2")


@pytest.fixture
def employee5(ent5):
    return _user(RoleKind.EMPLOYEE, ent5, username="employee5")


def row(n: int, **overrides):
    """A good roster row for enterprise number ``n`` on floor 3, as a list in template column order."""
    values = {
        "name": f"导入企业{n}有限公司",
        "uscc": make_uscc(5000 + n),
        "industry": "F 批发和零售业",
        "floor": 3,
        "unit": f"03{n:02d}",
        "moved_in_on": datetime.date(2021, 9, 10),
        "employee_count": 30,
        "party_organisation": "无",
        "party_member_count": 2,
        "contact_name": f"联系人{n}",
        "contact_phone": f"1380000{n:04d}",
        "contact_email": f"c{n}@example.com",
    }
    values.update(overrides)
    return [values[column.key] for column in COLUMNS]


def make_workbook(rows, headers=None, sheet_title=SHEET_DATA, text_columns=("uscc", "unit", "contact_phone")) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title
    sheet.append(headers if headers is not None else HEADERS)
    for values in rows:
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def xlsx():
    return make_workbook


@pytest.fixture
def client(client):
    """The test client, asking for English pages."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client
