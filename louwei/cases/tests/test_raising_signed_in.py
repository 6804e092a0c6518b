"""A signed-in person raises a case: an employee or enterprise contact for their enterprise; a floor
leader, the committee or property staff on an enterprise's behalf with a channel. And each denial."""

from __future__ import annotations

import pytest
from django.urls import reverse
from freezegun import freeze_time

from louwei.accounts.models import RoleKind
from louwei.cases.models import Case, Channel
from louwei.testing.factories import (
    BuildingFactory,
    FloorFactory,
    FloorLeaderFactory,
    UserFactory,
    category,
    enterprise_on,
    grant,
)

pytestmark = pytest.mark.django_db

NOW = "2026-11-30 10:00:00+08:00"


class Tower:
    def __init__(self):
        self.building = BuildingFactory(code="TS")
        self.other_building = BuildingFactory(code="TO")
        self.f2 = FloorFactory(building=self.building, number=2)
        self.f4 = FloorFactory(building=self.building, number=4)
        self.far = FloorFactory(building=self.other_building, number=2)
        self.e2 = enterprise_on(self.f2, name="二楼科技有限公司")
        self.e2b = enterprise_on(self.f2, name="二楼贸易有限公司")
        self.e4 = enterprise_on(self.f4, name="四楼传媒有限公司")
        self.e_far = enterprise_on(self.far, name="别的大厦公司")
        self.employee = UserFactory(username="employee")
        grant(self.employee, RoleKind.EMPLOYEE, self.e2)
        self.contact = UserFactory(username="contact")
        grant(self.contact, RoleKind.ENTERPRISE_CONTACT, self.e4)
        self.leader2 = FloorLeaderFactory(floor=self.f2).user
        self.leader4 = FloorLeaderFactory(floor=self.f4).user
        self.secretary = UserFactory(username="secretary")
        grant(self.secretary, RoleKind.COMMITTEE_SECRETARY, self.building)
        self.member = UserFactory(username="member")
        grant(self.member, RoleKind.COMMITTEE_MEMBER, self.building)
        self.property = UserFactory(username="property")
        grant(self.property, RoleKind.PROPERTY_STAFF, self.building)
        self.nobody = UserFactory(username="nobody")


@pytest.fixture
def tower():
    return Tower()


def new_url(floor=None) -> str:
    return reverse("cases:create") + (f"?floor={floor.code}" if floor else "")


def data(**extra) -> dict:
    values = {"category": str(category("cleaning").pk), "description": "二楼卫生间没有纸巾了，请补充。"}
    values.update(extra)
    return values


# --- An employee or enterprise contact, for their own enterprise --------------------------------


@freeze_time(NOW)
def test_an_employee_raises_for_their_enterprise(client, tower):
    client.force_login(tower.employee)
    assert client.get(new_url())["Location"] == new_url(tower.f2), "their only floor is chosen for them"
    page = client.get(new_url(tower.f2))
    assert page.status_code == 200
    html = page.content.decode()
    assert "二楼科技有限公司" in html and "二楼贸易有限公司" not in html
    assert 'name="channel"' not in html
    response = client.post(new_url(tower.f2), data(enterprise=tower.e2.pk))
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("cases:detail", args=[case.number])
    assert case.enterprise == tower.e2 and case.channel == Channel.APP and case.submitted_by == tower.employee
    assert case.floor == tower.f2 and case.tracking_hash == "", "an account follows its cases without a link"


@freeze_time(NOW)
def test_an_enterprise_contact_raises_for_their_enterprise(client, tower):
    client.force_login(tower.contact)
    response = client.post(new_url(tower.f4), data(enterprise=tower.e4.pk))
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.enterprise == tower.e4 and case.submitted_by == tower.contact


def test_an_employee_cannot_raise_for_another_enterprise(client, tower):
    client.force_login(tower.employee)
    response = client.post(new_url(tower.f2), data(enterprise=tower.e2b.pk))
    assert response.status_code == 200
    assert response.context["form"].errors.get("enterprise")
    assert not Case.objects.exists()


def test_an_employee_cannot_raise_on_another_floor(client, tower):
    client.force_login(tower.employee)
    assert client.get(new_url(tower.f4)).status_code == 403
    assert client.post(new_url(tower.f4), data(enterprise=tower.e4.pk)).status_code == 403
    assert not Case.objects.exists()


# --- On an enterprise's behalf ----------------------------------------------------------------


@freeze_time(NOW)
@pytest.mark.parametrize("who", ["leader2", "secretary", "member", "property"])
def test_staff_raise_on_behalf_with_a_channel(client, tower, who):
    user = getattr(tower, who)
    client.force_login(user)
    page = client.get(new_url(tower.f2))
    assert page.status_code == 200
    html = page.content.decode()
    assert "二楼科技有限公司" in html and "二楼贸易有限公司" in html and "四楼传媒有限公司" not in html
    assert 'name="channel"' in html and f'value="{Channel.APP}"' not in html
    response = client.post(new_url(tower.f2), data(enterprise=tower.e2b.pk, channel=Channel.PHONE))
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    case = Case.objects.get()
    assert case.enterprise == tower.e2b and case.channel == Channel.PHONE and case.floor == tower.f2
    assert case.raised_by == user


def test_on_behalf_only_the_listed_channels(client, tower):
    client.force_login(tower.leader2)
    response = client.post(new_url(tower.f2), data(enterprise=tower.e2.pk, channel=Channel.OPEN311))
    assert response.status_code == 200 and response.context["form"].errors.get("channel")
    assert not Case.objects.exists()


def test_a_floor_leader_cannot_raise_for_another_floors_enterprise(client, tower):
    client.force_login(tower.leader2)
    # the other floor itself is refused
    assert client.get(new_url(tower.f4)).status_code == 403
    assert client.post(new_url(tower.f4), data(enterprise=tower.e4.pk, channel=Channel.VISIT)).status_code == 403
    # and on their own floor, another floor's enterprise is not a choice
    response = client.post(new_url(tower.f2), data(enterprise=tower.e4.pk, channel=Channel.VISIT))
    assert response.status_code == 200 and response.context["form"].errors.get("enterprise")
    assert not Case.objects.exists()


def test_the_committee_cannot_raise_in_another_building(client, tower):
    client.force_login(tower.secretary)
    assert client.get(new_url(tower.far)).status_code == 403
    assert client.post(new_url(tower.far), data(enterprise=tower.e_far.pk, channel=Channel.VISIT)).status_code == 403
    assert not Case.objects.exists()


def test_someone_without_a_role_is_refused(client, tower):
    client.force_login(tower.nobody)
    assert client.get(new_url()).status_code == 403
    assert client.get(new_url(tower.f2)).status_code == 403
    assert client.post(new_url(tower.f2), data(enterprise=tower.e2.pk)).status_code == 403
    assert not Case.objects.exists()


def test_anonymous_is_sent_to_login(client, tower):
    for response in (client.get(new_url()), client.get(new_url(tower.f2)),
                     client.post(new_url(tower.f2), data(enterprise=tower.e2.pk))):
        assert response.status_code == 302 and "/login/" in response["Location"]
    assert not Case.objects.exists()


def test_staff_choose_a_floor_first(client, tower):
    client.force_login(tower.secretary)
    response = client.get(new_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert tower.f2.code in html and tower.f4.code in html and tower.far.code not in html


def test_an_unknown_floor_is_404(client, tower):
    client.force_login(tower.secretary)
    assert client.get(reverse("cases:create") + "?floor=NOPE-01").status_code == 404


def test_the_signed_in_form_has_the_similar_cases_panel(client, tower):
    client.force_login(tower.employee)
    html = client.get(new_url(tower.f2)).content.decode()
    similar_url = reverse("cases:similar") + f"?floor={tower.f2.code}&amp;next=%2Fcases%2Fnew%2F%3Ffloor%3D{tower.f2.code}"
    assert similar_url in html


@freeze_time(NOW)
def test_plus_one_from_the_signed_in_form_comes_back_to_it(client, tower):
    from louwei.testing.factories import CaseFactory

    case = CaseFactory(floor=tower.f2, description="二楼卫生间没有纸巾")
    client.force_login(tower.employee)
    fragment = client.get(reverse("cases:similar"), {"floor": tower.f2.code, "description": "卫生间没有纸巾",
                                                     "next": new_url(tower.f2)}).content.decode()
    assert f'name="next" value="{new_url(tower.f2)}"' in fragment
    assert f'name="floor" value="{tower.f2.code}"' in fragment  # the +1 carries the floor page's context
    response = client.post(reverse("cases:support", args=[case.number]),
                           {"floor": tower.f2.code, "next": new_url(tower.f2)})
    assert response.status_code == 302 and response["Location"] == new_url(tower.f2)
    case.refresh_from_db()
    assert case.supporter_count == 1
