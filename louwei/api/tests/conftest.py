"""Fixtures for the API's tests: two buildings, people in every role, token-authenticated clients."""

from __future__ import annotations

import pytest
from django.utils import translation
from rest_framework.test import APIClient

from louwei.access import SYSTEM
from louwei.accounts.models import RoleKind
from louwei.api.services import create_token
from louwei.buildings.models import Industry
from louwei.testing.factories import (
    BuildingFactory,
    EnterpriseContactFactory,
    FloorFactory,
    FloorLeaderFactory,
    UserFactory,
    enterprise_on,
    grant,
)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


class Site:
    """Building A (TB-A, floors 1–4, two enterprises per floor, a leader on floors 1 and 2) and
    building B (TB-B, floors 1–2, one enterprise per floor, a leader on floor 1), in different districts."""

    def __init__(self):
        self.a = BuildingFactory(code="TB-A", name="测试大厦A座")
        self.b = BuildingFactory(code="TB-B", name="别处大厦B座")
        self.a_floors = {n: FloorFactory(building=self.a, number=n) for n in range(1, 5)}
        self.b_floors = {n: FloorFactory(building=self.b, number=n) for n in range(1, 3)}
        self.a_enterprises = {
            n: [enterprise_on(f, name=f"A{n}楼科技{i}有限公司") for i in range(2)] for n, f in self.a_floors.items()
        }
        self.a_enterprises[3].append(enterprise_on(self.a_floors[3], name="三楼商贸有限公司", industry=Industry.F))
        self.b_enterprises = {n: [enterprise_on(f, name=f"B{n}楼传媒有限公司")] for n, f in self.b_floors.items()}
        EnterpriseContactFactory(enterprise=self.a_enterprises[2][0], name="张三", is_primary=True)
        self.a_leaders = {n: FloorLeaderFactory(floor=self.a_floors[n], enterprise=self.a_enterprises[n][0])
                          for n in (1, 2)}
        self.b_leader = FloorLeaderFactory(floor=self.b_floors[1], enterprise=self.b_enterprises[1][0])

    def enterprises_in_a(self):
        return [e for lst in self.a_enterprises.values() for e in lst]

    def more(self, n: int):
        """``n`` more enterprises on each of A's floors, and more floors and leaders (large data)."""
        for floor in self.a_floors.values():
            for _ in range(n):
                enterprise_on(floor)
        for number in range(5, 5 + n):
            floor = FloorFactory(building=self.a, number=number)
            enterprise_on(floor)
            FloorLeaderFactory(floor=floor)


@pytest.fixture
def site(db):
    return Site()


@pytest.fixture
def people(site):
    def user(username, kind=None, scope=None):
        u = UserFactory(username=username)
        if kind:
            grant(u, kind, scope)
        return u

    return {
        "district_a": user("district_a", RoleKind.DISTRICT_STAFF, site.a.party_committee),
        "secretary_a": user("secretary_a", RoleKind.COMMITTEE_SECRETARY, site.a),
        "member_a": user("member_a", RoleKind.COMMITTEE_MEMBER, site.a),
        "property_a": user("property_a", RoleKind.PROPERTY_STAFF, site.a),
        "leader_a2": site.a_leaders[2].user,
        "leader_b1": site.b_leader.user,
        "contact_a2": user("contact_a2", RoleKind.ENTERPRISE_CONTACT, site.a_enterprises[2][0]),
        "employee_a3": user("employee_a3", RoleKind.EMPLOYEE, site.a_enterprises[3][0]),
        "nobody": user("nobody"),
        "superuser": UserFactory(username="root", is_superuser=True, is_staff=True),
    }


def bearer_client(user, name="test") -> APIClient:
    client = APIClient()
    secret = create_token(actor=SYSTEM, user=user, name=name).secret
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_ACCEPT_LANGUAGE="en")
    return client


@pytest.fixture
def api_as(people):
    """api_as("leader_a2") → an APIClient sending that person's bearer token."""

    def make(who):
        return bearer_client(people[who] if isinstance(who, str) else who)

    return make


@pytest.fixture
def anon():
    client = APIClient()
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    return client
