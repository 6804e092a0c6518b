"""The configuration pages: categories and deadline rules (superusers, district staff), a
building's and a district's handlers (CASE_CONFIGURE on them) and their staff."""

from __future__ import annotations

import re

import pytest

from louwei.accounts.models import User
from louwei.cases.models import Category, DeadlineRule, Handler, HandlerMember
from louwei.testing.factories import HandlerFactory, HandlerMemberFactory, UserFactory, category

from .test_queues import make_world

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def world():
    return make_world()


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    handler = world.handler
    member = HandlerMember.objects.get(handler=handler)
    for url in ("/cases/settings/", "/cases/settings/categories/new/", f"/cases/settings/categories/{category().pk}/",
                "/cases/settings/deadlines/urgent/", f"/buildings/{world.building.code}/handlers/",
                f"/districts/{world.building.party_committee.code}/handlers/", "/handlers/new/?building=X",
                f"/handlers/{handler.pk}/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url
    for url in (f"/handlers/{handler.pk}/members/new/", f"/handler-members/{member.pk}/end/"):
        assert client.post(url)["Location"].startswith("/login/")


def test_categories_and_deadlines_are_for_district_staff_and_superusers(client, world):
    for user in (world.district_staff, UserFactory(is_superuser=True)):
        client.force_login(user)
        response = client.get("/cases/settings/")
        assert response.status_code == 200
        assert "/cases/settings/deadlines/urgent/" in response.content.decode()
        assert f"/districts/{world.building.party_committee.code}/handlers/" in response.content.decode()
    for user in (world.secretary, world.member, world.leader, world.handler_member, world.employee):
        client.force_login(user)
        assert client.get("/cases/settings/").status_code == 403
        assert client.get("/cases/settings/categories/new/").status_code == 403
        assert client.get("/cases/settings/deadlines/urgent/").status_code == 403
        assert client.post(f"/cases/settings/categories/{category().pk}/", {}).status_code == 403


def test_the_settings_page_says_the_response_deadline_is_capped_by_the_resolution_deadline(client, world, settings):
    client.force_login(world.district_staff)
    text = " ".join(client.get("/cases/settings/").content.decode().split())
    assert "The response deadline never falls after the resolution deadline" in text
    assert "by Saturday, although its 4 working hours would run into Monday" in text
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert "响应时限不会晚于办结时限" in client.get("/cases/settings/").content.decode()


def test_district_staff_create_and_edit_a_category(client, world):
    client.force_login(world.district_staff)
    response = client.post("/cases/settings/categories/new/", {
        "code": "noise", "name": "噪音", "name_en": "Noise", "description": "",
        "parent": category("building-services").pk,
        "urgency": "general", "handler_kind": "property", "default_handler": "", "position": 30, "is_active": "on",
    })
    assert response.status_code == 302
    noise = Category.objects.get(code="noise")
    assert noise.parent == category("building-services")
    response = client.post(f"/cases/settings/categories/{noise.pk}/", {
        "code": "ignored", "name": "噪声", "name_en": "Noise", "parent": "", "urgency": "urgent",
        "handler_kind": "committee", "position": 31,
    })
    assert response.status_code == 302
    noise.refresh_from_db()
    assert (noise.code, noise.name, noise.urgency, noise.is_active) == ("noise", "噪声", "urgent", False)


def test_a_category_form_error_is_shown(client, world):
    client.force_login(world.district_staff)
    response = client.post("/cases/settings/categories/new/", {"code": "repairs", "name": "", "urgency": "general",
                                                                "handler_kind": "property", "position": 1})
    assert response.status_code == 200 and "errorlist" in response.content.decode()


def test_district_staff_change_a_deadline_rule(client, world):
    client.force_login(world.district_staff)
    assert client.get("/cases/settings/deadlines/general/").status_code == 200
    response = client.post("/cases/settings/deadlines/general/", {
        "respond_amount": 2, "respond_unit": "working_days", "resolve_amount": 10, "resolve_unit": "working_days"})
    assert response.status_code == 302
    rule = DeadlineRule.objects.get(urgency="general")
    assert (rule.respond_amount, rule.resolve_amount) == (2, 10)
    response = client.post("/cases/settings/deadlines/general/", {
        "respond_amount": 0, "respond_unit": "working_days", "resolve_amount": 10, "resolve_unit": "working_days"})
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert client.get("/cases/settings/deadlines/never/").status_code == 404


def test_the_secretary_manages_their_buildings_handlers(client, world):
    client.force_login(world.secretary)
    response = client.get(f"/buildings/{world.building.code}/handlers/")
    assert response.status_code == 200
    assert "物业公司" in response.content.decode() and "钱物业" in response.content.decode()
    response = client.post(f"/handlers/new/?building={world.building.code}",
                           {"name": "楼委会工作组", "kind": "committee", "phone": ""})
    handler = Handler.objects.get(name="楼委会工作组")
    assert response.status_code == 302 and response["Location"] == f"/handlers/{handler.pk}/"
    assert handler.building == world.building
    response = client.post(f"/handlers/{handler.pk}/", {"name": "楼委会工作组", "kind": "committee", "phone": "12",
                                                        "is_active": "on"})
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    response = client.post(f"/handlers/{handler.pk}/", {"name": "楼委会办公室", "kind": "committee",
                                                        "phone": "0531-88886666", "is_active": "on"})
    assert response.status_code == 302
    handler.refresh_from_db()
    assert handler.name == "楼委会办公室"


def test_handler_pages_are_refused_outside_ones_scope(client, world):
    handler = world.handler
    member = HandlerMember.objects.get(handler=handler)
    for user in (world.other_secretary, world.member, world.property_staff, world.leader, world.handler_member):
        client.force_login(user)
        assert client.get(f"/buildings/{world.building.code}/handlers/").status_code == 403
        assert client.get(f"/handlers/new/?building={world.building.code}").status_code == 403
        assert client.get(f"/handlers/{handler.pk}/").status_code == 403
        assert client.post(f"/handlers/{handler.pk}/members/new/", {"person": user.username}).status_code == 403
        assert client.post(f"/handler-members/{member.pk}/end/").status_code == 403
    client.force_login(world.secretary)
    assert client.get(f"/districts/{world.building.party_committee.code}/handlers/").status_code == 403
    assert client.get(f"/handlers/new/?district={world.building.party_committee.code}").status_code == 403
    assert client.get("/handlers/new/").status_code == 403


def test_district_staff_manage_district_handlers(client, world):
    client.force_login(world.district_staff)
    code = world.building.party_committee.code
    assert client.get(f"/districts/{code}/handlers/").status_code == 200
    response = client.post(f"/handlers/new/?district={code}", {"name": "区市场监管局", "kind": "department"})
    assert response.status_code == 302
    handler = Handler.objects.get(name="区市场监管局")
    assert handler.party_committee == world.building.party_committee and handler.building is None
    assert "区市场监管局" in client.get(f"/districts/{code}/handlers/").content.decode()
    # District staff also manage the buildings' handlers of their district.
    assert client.get(f"/buildings/{world.building.code}/handlers/").status_code == 200


def test_add_an_existing_person_by_mobile_or_username_and_end_them(client, world):
    person = UserFactory(name="孙师傅", phone="13912345678")
    client.force_login(world.secretary)
    response = client.post(f"/handlers/{world.handler.pk}/members/new/", {"person": "13912345678", "is_manager": "on"})
    assert response.status_code == 302
    member = HandlerMember.objects.get(handler=world.handler, user=person, ended_at__isnull=True)
    assert member.is_manager
    response = client.post(f"/handlers/{world.handler.pk}/members/new/", {"person": person.username})
    assert response.status_code == 400 and "errorlist" in response.content.decode()
    assert "孙师傅" in client.get(f"/handlers/{world.handler.pk}/").content.decode()
    assert client.post(f"/handler-members/{member.pk}/end/").status_code == 302
    member.refresh_from_db()
    assert member.ended_at is not None
    assert client.post(f"/handler-members/{member.pk}/end/", follow=True).status_code == 200


def test_add_a_new_person_by_name_and_mobile(client, world):
    client.force_login(world.secretary)
    response = client.post(f"/handlers/{world.handler.pk}/members/new/",
                           {"new_name": "周新人", "new_phone": "13800001111"})
    assert response.status_code == 302
    user = User.objects.get(phone="13800001111")
    assert user.name == "周新人"
    assert HandlerMember.objects.active().filter(handler=world.handler, user=user).exists()


@pytest.mark.parametrize("data", [
    {},
    {"person": "nobody-here"},
    {"person": "x", "new_name": "a", "new_phone": "13800001111"},
    {"new_name": "只有名字"},
    {"new_name": "号码不对", "new_phone": "12345"},
])
def test_member_form_errors(client, world, data):
    client.force_login(world.secretary)
    response = client.post(f"/handlers/{world.handler.pk}/members/new/", data)
    assert response.status_code == 400 and "errorlist" in response.content.decode()
    assert HandlerMember.objects.filter(handler=world.handler).count() == 1


def test_handler_pages_have_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    client.force_login(world.secretary)
    url = f"/buildings/{world.building.code}/handlers/"
    with django_assert_max_num_queries(9):
        assert client.get(url).status_code == 200
    for _ in range(6):
        HandlerMemberFactory(handler=HandlerFactory(building=world.building))
    with django_assert_max_num_queries(9):
        assert client.get(url).status_code == 200
    client.force_login(world.district_staff)
    # 7, and the official calendar's version for the warning of a missing year (read once in 30 s).
    with django_assert_max_num_queries(8):
        assert client.get("/cases/settings/").status_code == 200


def test_the_settings_page_names_categories_in_chinese_without_their_english_codes(client, settings, world):
    """Each category's Open311 code (building-works, lifts …) showed under its name on the zh-Hans page."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    client.force_login(world.district_staff)
    html = client.get("/cases/settings/").content.decode()
    shown = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html[html.index('id="categories-title"'):]))
    categories = list(Category.objects.filter(is_active=True))
    assert categories
    assert all(c.name in shown for c in categories)
    assert [c.code for c in categories if re.search(rf"(?<![\w-]){re.escape(c.code)}(?![\w-])", shown)] == []
