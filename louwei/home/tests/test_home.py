"""The home page: a public landing for visitors, and for each role its own work first.
Every list comes from an access queryset; query counts do not grow with the data."""

import re

import pytest
from django.utils import timezone

from louwei.accounts.models import RoleKind
from louwei.buildings.models import Occupancy
from louwei.committee.models import FloorLeader
from louwei.testing.factories import (
    BuildingFactory,
    FloorFactory,
    FloorLeaderFactory,
    PartyCommitteeFactory,
    UserFactory,
    enterprise_on,
    grant,
)

# Every page for a logged-in person counts their unread inbox messages once (the top bar badge).
INBOX_BADGE = 1
# The landing page shows each role's case queue first: the handler memberships (one query for
# everyone), then for each queue the person has its most urgent rows and its count (two more).
CASE_QUEUES = 3
CASE_FIGURES = 1  # a floor leader's or handler's own rates, read from the maintained figures
# District staff are warned while the official calendar misses a year: its version, read at most
# once every LOUWEI_CALENDAR_CHECK_SECONDS per process (here the first request of the test).
CALENDAR = 1
# The apps' home panels (louwei.core.shell): the service centre of the person's buildings (one query
# for anyone with a building), a floor leader's unread notices on her floors (one aggregate), and an
# enterprise's people's notices (the list, and the number unread when some are), their latest cases
# and whether "Raise a request" leads anywhere.
CENTRE = 1
FLOOR_NOTICES = 1
ENTERPRISE_PANELS = 4

pytestmark = [pytest.mark.django_db]


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


# ---------------------------------------------------------------------------------------------
# Visitors


def test_visitors_see_what_louwei_is_the_buildings_and_how_to_find_their_floor(client, make_building):
    first = make_building(floors=20, name="新城发展大厦B座", address="新城区发展大道88号")
    second = make_building(floors=3, leaders=0)
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "一层一楼长" in html  # what Louwei is, in one line
    assert "找到我的楼层" in html and "二维码" in html
    assert f'href="/b/{first.code}/"' in html and f'href="/b/{second.code}/"' in html
    assert "新城区发展大道88号" in html
    assert "20层" in html and "3层" in html
    assert 'href="/login/"' in html


def test_the_public_building_list_is_paginated_with_constant_queries(client, django_assert_max_num_queries):
    BuildingFactory()
    with django_assert_max_num_queries(2):
        small = client.get("/")
    for _ in range(24):
        FloorFactory(building=BuildingFactory())
    with django_assert_max_num_queries(2):
        large = client.get("/")
    assert small.status_code == large.status_code == 200
    assert len(re.findall(r'href="/b/', large.content.decode())) == 20
    assert 'href="?page=2"' in large.content.decode()
    assert client.get("/?page=2").content.decode().count('href="/b/') == 5


# ---------------------------------------------------------------------------------------------
# District staff


def test_district_staff_see_their_buildings_with_counts(client, make_building, person):
    district = PartyCommitteeFactory()
    building = make_building(floors=4, per_floor=2, leaders=1, party_committee=district, name="甲大厦")
    make_building(floors=2, party_committee=district, leaders=2, name="乙大厦")
    elsewhere = make_building(floors=2, name="外区大厦")
    client.force_login(person(RoleKind.DISTRICT_STAFF, district))
    response = client.get("/")
    html = response.content.decode()
    assert "辖区楼宇" in html
    assert "甲大厦" in html and "乙大厦" in html and "外区大厦" not in html
    assert f'href="/buildings/{building.code}/"' in html and f'href="/buildings/{elsewhere.code}/"' not in html
    row = re.search(r"甲大厦</a>.*?</tr>", html, re.S).group(0)
    # 4 floors; 8 enterprises + the leader's own; 1 floor with a leader, 3 without
    assert re.findall(r'<td class="num">(?:<span[^>]*>)?(\d+)', row) == ["4", "9", "1", "3"]
    stats = re.findall(r'<span class="stat-value">(\d+)</span>', html)
    # district totals: 2 buildings, 6 floors, 9 + 4 enterprises, 3 floors without a leader
    assert stats == ["2", "6", "13", "3"]


def _district_with(buildings: int, floors: int):
    district = PartyCommitteeFactory()
    for _ in range(buildings):
        building = BuildingFactory(party_committee=district)
        for number in range(1, floors + 1):
            floor = FloorFactory(building=building, number=number)
            enterprise_on(floor)
            if number % 2:
                FloorLeaderFactory(floor=floor)
    return district


def test_district_home_has_constant_queries(client, person, django_assert_max_num_queries):
    for buildings, floors in ((1, 1), (6, 5)):
        user = person(RoleKind.DISTRICT_STAFF, _district_with(buildings, floors))
        client.force_login(user)
        # 9: the page of building ids, then the counts for those buildings only.
        with django_assert_max_num_queries(9 + INBOX_BADGE + CASE_QUEUES + CALENDAR):
            response = client.get("/")
        assert response.content.decode().count("<tr>") == buildings + 1


# ---------------------------------------------------------------------------------------------
# Committee and property staff


@pytest.mark.parametrize("kind", [RoleKind.COMMITTEE_SECRETARY, RoleKind.COMMITTEE_MEMBER, RoleKind.PROPERTY_STAFF])
def test_building_staff_see_their_building_summary_and_links(client, make_building, person, kind):
    building = make_building(floors=5, per_floor=1, leaders=2, name="本大厦")
    other = make_building(floors=2, name="别的大厦")
    client.force_login(person(kind, building))
    html = client.get("/").content.decode()
    assert "本大厦" in html and "别的大厦" not in html
    assert re.findall(r'<span class="stat-value">(\d+)</span>', html) == ["5", "7", "2", "3"]
    code = building.code
    for href in (f"/buildings/{code}/", f"/buildings/{code}/enterprises/", f"/buildings/{code}/committee/",
                 f"/b/{code}/"):
        assert f'href="{href}"' in html
    assert other.code not in html


def test_building_staff_home_has_constant_queries(client, make_building, person, django_assert_max_num_queries):
    for floors in (1, 12):
        building = make_building(floors=floors, per_floor=3, leaders=floors // 2)
        client.force_login(person(RoleKind.COMMITTEE_SECRETARY, building))
        with django_assert_max_num_queries(5 + INBOX_BADGE + CASE_QUEUES + CENTRE):
            assert client.get("/").status_code == 200


# ---------------------------------------------------------------------------------------------
# Floor leaders


def test_a_floor_leader_sees_their_floors_and_the_enterprises_on_each(client, make_building):
    building = make_building(floors=3, per_floor=0, leaders=0)
    floor5, floor2, other_floor = building.floors.order_by("number")
    mine = enterprise_on(floor5, name="本层科技有限公司")
    neighbour = enterprise_on(other_floor, name="隔壁层传媒有限公司")
    leader = FloorLeaderFactory(floor=floor5)
    grant(leader.user, RoleKind.FLOOR_LEADER, floor2)  # a leader of two floors
    client.force_login(leader.user)
    html = client.get("/").content.decode()
    assert "我的楼层" in html
    assert "本层科技有限公司" in html and leader.enterprise.name in html
    assert "隔壁层传媒有限公司" not in html
    assert f'href="/enterprises/{mine.pk}/"' in html and f'href="/enterprises/{neighbour.pk}/"' not in html
    assert f'href="/f/{floor5.code}/"' in html and f'href="/f/{floor2.code}/"' in html
    assert f'href="/f/{other_floor.code}/"' not in html
    assert "本层目前没有入驻企业" in html  # floor2 is empty
    assert f'href="/buildings/{building.code}/enterprises/"' in html


def test_a_floor_leaders_my_floors_entry_opens_her_floors_not_the_committee(client, make_building):
    """"我的楼层" opened the committee page: every leader of the building, 20 of them in the demo."""
    building = make_building(floors=3, per_floor=1, leaders=3)
    leader = FloorLeader.objects.filter(floor__building=building).select_related("floor").first()
    others = FloorLeader.objects.filter(floor__building=building).exclude(pk=leader.pk).select_related("floor")
    client.force_login(leader.user)
    html = client.get("/").content.decode()
    anchors = re.findall(r'<a\b[^>]*href="([^"]*)"[^>]*>((?:(?!</a>).)*)</a>', html, re.S)
    links = [href for href, inner in anchors if "<span>我的楼层</span>" in inner]
    assert links and set(links) == {"/#my-floors"}, links
    panel = html[html.index('id="my-floors"'):]
    assert f'href="/f/{leader.floor.code}/"' in panel
    assert not any(f'href="/f/{other.floor.code}/"' in panel for other in others)


def test_a_former_floor_leader_no_longer_sees_the_floor(client, make_building):
    building = make_building(floors=1, leaders=1)
    leader = FloorLeader.objects.get(floor__building=building)
    leader.role.ended_at = timezone.now()
    leader.role.save()
    client.force_login(leader.user)
    html = client.get("/").content.decode()
    assert "我的楼层" not in html and "您还没有角色" in html


def test_floor_leader_home_has_constant_queries(client, make_building, django_assert_max_num_queries):
    for per_floor in (1, 15):
        building = make_building(floors=3, per_floor=per_floor, leaders=0)
        leader = FloorLeaderFactory(floor=building.floors.first())
        for floor in building.floors.all()[1:]:
            grant(leader.user, RoleKind.FLOOR_LEADER, floor)
        client.force_login(leader.user)
        with django_assert_max_num_queries(6 + INBOX_BADGE + CASE_QUEUES + CASE_FIGURES + FLOOR_NOTICES + CENTRE):
            response = client.get("/")
        assert response.content.decode().count('class="list-item" href="/enterprises/') == 3 * per_floor + 1


# ---------------------------------------------------------------------------------------------
# Enterprise contacts and employees


def test_an_enterprise_contact_sees_their_enterprise_and_floor_leader(client, make_building, person):
    building = make_building(floors=2, leaders=0)
    floor = building.floors.get(number=1)
    leader = FloorLeaderFactory(floor=floor, user=UserFactory(name="王建国"), public_phone="13912345678")
    enterprise = enterprise_on(floor, name="云帆信息科技有限公司")
    client.force_login(person(RoleKind.ENTERPRISE_CONTACT, enterprise))
    html = client.get("/").content.decode()
    assert "我的企业" in html and "云帆信息科技有限公司" in html
    assert "王建国" in html and 'href="tel:13912345678"' in html and leader.enterprise.name in html
    assert f'href="/f/{floor.code}/"' in html
    assert f'href="/enterprises/{enterprise.pk}/"' in html
    assert f'href="/enterprises/{enterprise.pk}/edit/"' in html  # a contact may edit their enterprise


def test_an_employee_on_a_floor_without_leader_is_told_who_answers(client, make_building, person):
    building = make_building(floors=1, leaders=0)
    enterprise = enterprise_on(building.floors.get())
    client.force_login(person(RoleKind.EMPLOYEE, enterprise))
    html = client.get("/").content.decode()
    assert "本层楼长暂缺" in html
    assert f'href="/enterprises/{enterprise.pk}/edit/"' not in html  # employees do not edit


def test_an_enterprise_that_moved_out_shows_no_floor(client, make_building, person):
    building = make_building(floors=1, leaders=1)
    enterprise = enterprise_on(building.floors.get())
    Occupancy.objects.filter(enterprise=enterprise).update(ended_on=timezone.localdate())
    client.force_login(person(RoleKind.EMPLOYEE, enterprise))
    html = client.get("/").content.decode()
    assert "该企业目前未登记入驻房间" in html and "tel:" not in html


def test_enterprise_home_has_constant_queries(client, make_building, person, django_assert_max_num_queries):
    for floors in (1, 6):
        building = make_building(floors=floors, leaders=floors)
        enterprise = enterprise_on(building.floors.first())
        for floor in building.floors.all()[1:]:
            Occupancy.objects.create(enterprise=enterprise, unit=floor.units.first(), started_on=timezone.localdate())
        client.force_login(person(RoleKind.ENTERPRISE_CONTACT, enterprise))
        with django_assert_max_num_queries(7 + INBOX_BADGE + CASE_QUEUES + ENTERPRISE_PANELS + CENTRE):
            response = client.get("/")
        assert response.content.decode().count('href="tel:') == floors


# ---------------------------------------------------------------------------------------------
# Several roles, no role


def test_each_role_shows_its_own_section_in_rank_order(client, make_building):
    building = make_building(floors=2, leaders=0)
    enterprise = enterprise_on(building.floors.first())
    leader = FloorLeaderFactory(floor=building.floors.first(), enterprise=enterprise)
    grant(leader.user, RoleKind.EMPLOYEE, enterprise)
    grant(leader.user, RoleKind.COMMITTEE_MEMBER, building)
    client.force_login(leader.user)
    html = client.get("/").content.decode()
    positions = [html.index(title) for title in ('id="buildings-title"', 'id="floors-title"', 'id="enterprises-title"')]
    assert positions == sorted(positions)


def test_a_person_without_a_role_is_told_how_to_get_one(client):
    client.force_login(UserFactory(name="钱多多"))
    html = client.get("/").content.decode()
    assert "您好，钱多多" in html and "您还没有角色" in html


def test_a_superuser_without_roles_sees_every_building(client, make_building):
    first, second = make_building(floors=1), make_building(floors=1)
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    html = client.get("/").content.decode()
    assert first.name in html and second.name in html


def test_the_date_is_written_the_chinese_way(client):
    client.force_login(UserFactory())
    today = timezone.localdate()
    assert f"{today.year}年{today.month}月{today.day}日" in client.get("/").content.decode()
