import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from louwei.access import SYSTEM
from louwei.buildings.models import Enterprise
from louwei.committee import services
from louwei.testing.factories import EnterpriseContactFactory, OccupancyFactory, UnitFactory, UserFactory

from .conftest import Tower, image_bytes, upload

pytestmark = pytest.mark.django_db


def floor_url(floor):
    return reverse("committee:floor_page", args=[floor.code])


def test_floor_page_needs_no_login_and_shows_leader_enterprises_and_the_way_to_the_committee(client, tower):
    floor = tower.floor(2)
    leader = tower.leaders[2]
    services.update_floor_leader(actor=SYSTEM, leader=leader, photo=upload(image_bytes()))
    leader.refresh_from_db()
    response = client.get(floor_url(floor))
    assert response.status_code == 200
    html = response.content.decode()
    assert leader.user.name in html
    assert leader.enterprise.name in html
    assert f'href="tel:{leader.public_phone}"' in html
    assert f'src="{leader.photo_url}"' in html
    for enterprise in tower.enterprises[2]:
        assert enterprise.name in html
    assert tower.committee.name in html and 'href="tel:05372345678"' in html  # the committee's phone
    assert tower.centre.name in html
    assert "诉求怎么办" in html  # where requests go
    assert reverse("cases:visitor_raise", args=[floor.code]) in html  # and the way to raise one here
    login = reverse("accounts:login") + "?next=" + floor_url(floor)
    assert login in html
    assert "楼长登录" in html


def test_floor_page_shows_no_private_data(client, tower):
    floor = tower.floor(2)
    leader = tower.leaders[2]
    enterprise = tower.enterprises[2][0]
    Enterprise.objects.filter(pk=enterprise.pk).update(employee_count=4321, party_member_count=1234,
                                                         phone="0537-8765432", email="hr@example.cn")
    EnterpriseContactFactory(enterprise=enterprise, name="私密联系人", phone="13700001111", email="boss@example.cn")
    # the leader shows a desk phone on the floor; their own mobile stays private
    services.update_floor_leader(actor=SYSTEM, leader=leader, public_phone="0537-2345111")
    html = client.get(floor_url(floor)).content.decode()
    assert "0537-2345111" in html
    for private in ["私密联系人", "13700001111", "boss@example.cn", "4321", "1234", "0537-8765432", "hr@example.cn",
                    enterprise.uscc, leader.user.phone, leader.user.username]:
        assert private not in html, private


def test_floor_page_lists_only_current_enterprises(client, tower):
    floor = tower.floor(1)
    gone = tower.enterprises[1][0]
    occupancy = gone.occupancies.get()
    occupancy.ended_on = timezone.localdate()
    occupancy.save()
    newcomer = Enterprise.objects.create(name="新入驻传媒有限公司", uscc="91370800MA00000017", industry="R")
    OccupancyFactory(enterprise=newcomer, unit=UnitFactory(floor=floor, number="0108"))
    html = client.get(floor_url(floor)).content.decode()
    assert "新入驻传媒有限公司" in html and "0108" in html
    assert f"<span>{gone.name}</span>" not in html  # moved out (still named as the leader's company, if so)


def test_vacant_floor_page_says_so_and_points_to_the_committee(client, tower):
    floor = tower.floor(3)
    services.end_floor_leader(actor=SYSTEM, leader=tower.leaders[3], ended_on=timezone.localdate())
    html = client.get(floor_url(floor)).content.decode()
    assert "本层楼长暂缺" in html
    assert tower.leaders[3].user.name not in html
    assert 'href="tel:05372345678"' in html


def test_floor_page_in_english(client, tower):
    client.cookies["django_language"] = "en"
    html = client.get(floor_url(tower.floor(1)), headers={"accept-language": "en"}).content.decode()
    assert "Need help? Ask your floor leader" in html and "Where your requests go" in html


def test_codes_typed_in_lower_case_still_work(client, tower):
    assert client.get(reverse("committee:floor_page", args=[tower.floor(1).code.lower()])).status_code == 200
    assert client.get(reverse("committee:public_building", args=[tower.building.code.lower()])).status_code == 200


def test_unknown_codes_give_404(client, tower):
    assert client.get(reverse("committee:floor_page", args=["NOPE-01"])).status_code == 404
    assert client.get(reverse("committee:public_building", args=["NOPE"])).status_code == 404


def test_public_building_page_lists_every_floor_with_its_leader(client, tower):
    services.end_floor_leader(actor=SYSTEM, leader=tower.leaders[3], ended_on=timezone.localdate())
    response = client.get(reverse("committee:public_building", args=[tower.building.code]))
    assert response.status_code == 200
    html = response.content.decode()
    assert tower.building.name in html and tower.committee.name in html and tower.centre.name in html
    for number in (1, 2):
        assert tower.leaders[number].user.name in html
    assert tower.leaders[3].user.name not in html and "空缺" in html
    for floor in tower.floors:
        assert floor_url(floor) in html
    for private in ["13700001111", *(leader.user.phone for leader in tower.leaders.values())]:
        assert private not in html


@pytest.mark.parametrize("floors,per_floor", [(2, 1), (15, 5)])
def test_public_pages_query_count_does_not_grow(client, django_assert_max_num_queries, floors, per_floor):
    tower = Tower(floors=floors, enterprises_per_floor=per_floor)
    # building (with committee), terms, floors, serving leaders, and centre_of: the centre and its facilities
    with django_assert_max_num_queries(6):
        response = client.get(reverse("committee:public_building", args=[tower.building.code]))
    assert response.status_code == 200
    # floor (with building and committee), leader, enterprises, terms, and the centre with its facilities
    with django_assert_max_num_queries(6):
        response = client.get(floor_url(tower.floor(2)))
    assert response.status_code == 200


def test_public_pages_never_show_the_login_name(client, tower):
    """Accounts made from a mobile number have it as their username: a leader without a name is shown as
    "楼长", never by the username."""
    floor = tower.floor(2)
    services.end_floor_leader(actor=SYSTEM, leader=tower.leaders[2], ended_on=datetime.date(2024, 1, 1))
    nameless = UserFactory(name="", username="13912345678", phone="13912345678")
    services.appoint_floor_leader(actor=SYSTEM, floor=floor, user=nameless, term=tower.term, method="assigned",
                                  started_on=datetime.date(2024, 1, 2), public_phone="0537-2345111")
    floor_html = client.get(floor_url(floor)).content.decode()
    building_html = client.get(reverse("committee:public_building", args=[tower.building.code])).content.decode()
    for html in (floor_html, building_html):
        assert "13912345678" not in html and "139 1234 5678" not in html
    assert '<h2 id="leader-heading" class="leader-name">楼长</h2>' in floor_html
    assert "楼长：0537-2345111" in floor_html and "楼长首先受理本层的每一件诉求" in floor_html
    assert "<span>楼长</span>" in building_html
