"""The registry's pages, each as the role that would use it, and every denial."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from louwei.accounts.models import RoleKind
from louwei.buildings.models import Enterprise, EnterpriseContact, Occupancy
from louwei.centre.models import Facility, FacilityKind, ServiceCentre
from louwei.core.audit import history_of
from louwei.testing.factories import UserFactory, enterprise_on, grant, make_uscc

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def get(client, user, name, *args, **kwargs):
    if user is not None:
        client.force_login(user)
    return client.get(reverse(name, args=args), **kwargs)


def post(client, user, name, *args, data=None):
    if user is not None:
        client.force_login(user)
    return client.post(reverse(name, args=args), data or {})


# ----------------------------------------------------------------------------------------------
# Anonymous visitors go to the login page, everywhere.


@pytest.mark.parametrize(
    "name,args",
    [
        ("buildings:building_list", ()),
        ("buildings:building_detail", ("TB-A",)),
        ("buildings:building_edit", ("TB-A",)),
        ("buildings:enterprise_list", ("TB-A",)),
        ("buildings:enterprise_create", ("TB-A",)),
        ("buildings:roster_template", ("TB-A",)),
        ("buildings:roster_import", ("TB-A",)),
        ("buildings:roster_export", ("TB-A",)),
        ("buildings:roster_rejected", ("TB-A",)),
        ("buildings:enterprise_detail", (1,)),
        ("buildings:enterprise_edit", (1,)),
        ("buildings:move_in", (1,)),
        ("buildings:contact_add", (1,)),
        ("buildings:contact_edit", (1,)),
        ("buildings:contact_remove", (1,)),
        ("buildings:move_out", (1,)),
    ],
)
def test_anonymous_is_sent_to_login(client, building, name, args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# ----------------------------------------------------------------------------------------------
# Building list and detail


def test_building_list_shows_the_buildings_one_may_view(client, district, building, other_building, ent5):
    response = get(client, district, "buildings:building_list")
    assert response.status_code == 200
    buildings = {b.code: b for b in response.context["buildings"]}
    assert set(buildings) == {"TB-A"}  # the other building belongs to another district
    assert buildings["TB-A"].floor_count == 6
    assert buildings["TB-A"].enterprise_count == 1


def test_building_list_for_a_floor_leader(client, leader5, building, other_building):
    response = get(client, leader5, "buildings:building_list")
    assert [b.code for b in response.context["buildings"]] == ["TB-A"]


@pytest.mark.parametrize("who", ["employee5", "contact5"])
def test_building_list_is_for_staff(client, request, who):
    assert get(client, request.getfixturevalue(who), "buildings:building_list").status_code == 403


def test_building_detail_for_the_secretary(client, secretary, building, ent5, ent2):
    centre = ServiceCentre.objects.create(building=building, floor=building.floors.get(number=1), name="党群服务中心")
    Facility.objects.create(centre=centre, name="一号会议室", kind=FacilityKind.MEETING_ROOM, capacity=12)
    Facility.objects.create(centre=centre, name="旧打印机", kind=FacilityKind.PRINTER, is_active=False)
    response = get(client, secretary, "buildings:building_detail", "TB-A")
    assert response.status_code == 200
    floors = {f.number: f for f in response.context["floors"]}
    assert floors[5].enterprise_count == 1 and floors[5].unit_count == 1
    assert floors[4].enterprise_count == 0
    assert response.context["counts"]["enterprises"] == 2
    html = response.content.decode()
    # the secretary manages the facilities: those out of use are listed too, marked
    assert "一号会议室" in html and "旧打印机" in html and "Out of use" in html
    for name in ("enterprise_list", "roster_import", "roster_template", "roster_export", "enterprise_create",
                 "floor_create", "units_create", "centre_edit", "facility_add"):
        assert reverse(f"buildings:{name}", args=["TB-A"]) in html
    assert response.context["can"]["committee"] is True


def test_building_detail_for_property_staff_has_no_edit_links(client, property_staff, building):
    centre = ServiceCentre.objects.create(building=building, floor=building.floors.get(number=1), name="党群服务中心")
    Facility.objects.create(centre=centre, name="一号会议室", kind=FacilityKind.MEETING_ROOM, capacity=12)
    Facility.objects.create(centre=centre, name="旧打印机", kind=FacilityKind.PRINTER, is_active=False)
    response = get(client, property_staff, "buildings:building_detail", "TB-A")
    assert response.status_code == 200
    html = response.content.decode()
    assert "一号会议室" in html and "旧打印机" not in html
    assert reverse("buildings:roster_export", args=["TB-A"]) in html
    assert reverse("buildings:roster_import", args=["TB-A"]) not in html
    assert reverse("buildings:enterprise_create", args=["TB-A"]) not in html
    for name in ("floor_create", "units_create", "centre_edit", "facility_add"):
        assert reverse(f"buildings:{name}", args=["TB-A"]) not in html
    assert response.context["manage"] is None


@pytest.mark.parametrize("who", ["employee5", "contact5", "leader_elsewhere"])
def test_building_detail_denied(client, request, building, who):
    assert get(client, request.getfixturevalue(who), "buildings:building_detail", "TB-A").status_code == 403


def test_building_detail_unknown_building(client, secretary):
    assert get(client, secretary, "buildings:building_detail", "NOPE").status_code == 404


def test_building_edit(client, secretary, building):
    response = post(client, secretary, "buildings:building_edit", "TB-A",
                    data={"name": "改名大厦", "address": "新城路1号", "property_company": building.property_company_id})
    assert response.status_code == 302
    building.refresh_from_db()
    assert building.name == "改名大厦" and building.is_pilot is False
    assert history_of(building).first().verb == "building.updated"


@pytest.mark.parametrize("who", ["property_staff", "leader5", "member", "employee5", "contact5", "leader_elsewhere"])
def test_building_edit_denied(client, request, building, who):
    user = request.getfixturevalue(who)
    assert get(client, user, "buildings:building_edit", "TB-A").status_code == 403
    assert post(client, user, "buildings:building_edit", "TB-A", data={"name": "x"}).status_code == 403


# ----------------------------------------------------------------------------------------------
# Enterprise list


def test_enterprise_list_shows_units_and_contact(client, property_staff, ent5, ent2):
    response = get(client, property_staff, "buildings:enterprise_list", "TB-A")
    assert response.status_code == 200
    names = [e.name for e in response.context["page"].object_list]
    assert names == [ent2.name, ent5.name]  # by floor
    html = response.content.decode()
    assert "5F" in html and "张三" in html and "tel:13800000005" in html
    assert 'class="filters"' in html


def test_enterprise_list_search_by_name_and_code_fragment(client, secretary, ent5, ent2):
    response = get(client, secretary, "buildings:enterprise_list", "TB-A", data={"q": "五楼"})
    assert [e.pk for e in response.context["page"].object_list] == [ent5.pk]
    fragment = ent2.uscc[-7:].lower()
    response = get(client, secretary, "buildings:enterprise_list", "TB-A", data={"q": f" {fragment} "})
    assert [e.pk for e in response.context["page"].object_list] == [ent2.pk]


def test_enterprise_list_filters(client, secretary, building, ent5, ent2):
    big = enterprise_on(building.floors.get(number=4), name="大企业", employee_count=500, party_member_count=60,
                        party_organisation="own_branch", industry="J")
    url = "buildings:enterprise_list"

    def pks(**params):
        return {e.pk for e in get(client, secretary, url, "TB-A", data=params).context["page"].object_list}

    assert pks(floor=building.floors.get(number=5).pk) == {ent5.pk}
    assert pks(industry="F") == {ent2.pk}
    assert pks(size="300+") == {big.pk}
    assert pks(size="10-49") == {ent5.pk, ent2.pk}
    assert pks(party_organisation="own_branch") == {big.pk}
    ordered = get(client, secretary, url, "TB-A", data={"sort": "-employees"}).context["page"].object_list
    assert ordered[0].pk == big.pk


def test_enterprise_list_htmx_returns_the_results_only(client, secretary, ent5):
    response = get(client, secretary, "buildings:enterprise_list", "TB-A", data={"q": "五楼"},
                   HTTP_HX_REQUEST="true", HTTP_HX_TARGET="enterprise-results")
    html = response.content.decode()
    assert response.status_code == 200
    assert ent5.name in html and "<html" not in html and 'class="filters"' not in html


def test_enterprise_list_paginates(client, secretary, building):
    floor = building.floors.get(number=3)
    for n in range(30):
        enterprise_on(floor, name=f"分页企业{n:02d}")
    first = get(client, secretary, "buildings:enterprise_list", "TB-A")
    assert len(first.context["page"].object_list) == 25 and first.context["result"].total == 30
    second = get(client, secretary, "buildings:enterprise_list", "TB-A", data={"page": 2})
    assert len(second.context["page"].object_list) == 5


def test_a_floor_leader_sees_only_their_floors(client, leader5, ent5, ent2):
    response = get(client, leader5, "buildings:enterprise_list", "TB-A")
    assert response.status_code == 200
    assert [e.pk for e in response.context["page"].object_list] == [ent5.pk]
    assert ent2.name not in response.content.decode()
    # the floor filter offers their floors only
    assert [f.number for f in response.context["filter"].form.fields["floor"].queryset] == [5]


@pytest.mark.parametrize("who", ["employee5", "contact5", "leader_elsewhere"])
def test_enterprise_list_denied(client, request, building, who):
    assert get(client, request.getfixturevalue(who), "buildings:enterprise_list", "TB-A").status_code == 403


def _populate(building, count, start=0):
    for n in range(start, start + count):
        enterprise = enterprise_on(building.floors.get(number=(5, 1, 2, 3, 4, 6)[n % 6]), name=f"企业{n:03d}")
        EnterpriseContact.objects.create(enterprise=enterprise, name=f"联系人{n}", phone=f"1370000{n:04d}",
                                         is_primary=True)
        if n % 3 == 0:  # some enterprises hold two units
            Occupancy.objects.create(enterprise=enterprise, unit=building.floors.get(number=6).units.create(
                number=f"X{n:03d}"), started_on=TODAY)


QUERY_BOUND = 16


@pytest.mark.parametrize("count", [3, 60])
@pytest.mark.parametrize("who", ["secretary", "leader5"])
def test_enterprise_list_query_count_does_not_grow(client, request, building, django_assert_max_num_queries,
                                                   count, who):
    _populate(building, count)
    user = request.getfixturevalue(who)
    client.force_login(user)
    url = reverse("buildings:enterprise_list", args=["TB-A"])
    with django_assert_max_num_queries(QUERY_BOUND):
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["page"].object_list) > 0
    with django_assert_max_num_queries(QUERY_BOUND):
        response = client.get(url, {"q": "企业", "industry": "I", "sort": "name"}, HTTP_HX_REQUEST="true",
                              HTTP_HX_TARGET="enterprise-results")
    assert response.status_code == 200


@pytest.mark.parametrize("who", ["secretary", "leader5"])
def test_enterprise_list_query_count_is_the_same_for_3_and_60(client, request, building, who):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(request.getfixturevalue(who))
    url = reverse("buildings:enterprise_list", args=["TB-A"])
    search = {"q": "企业", "industry": "I", "sort": "name"}

    def measure():
        counts = []
        htmx = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "enterprise-results"}
        for params, headers in (({}, {}), (search, htmx)):
            with CaptureQueriesContext(connection) as context:
                response = client.get(url, params, **headers)
            assert response.status_code == 200 and len(response.context["page"].object_list) > 0
            counts.append(len(context))
        return counts

    _populate(building, 3)
    measure()  # the session and the person's roles are read on the first request as on any other
    small = measure()
    _populate(building, 57, start=3)
    large = measure()
    assert small == large
    assert max(large) <= QUERY_BOUND


def test_building_code_is_case_insensitive(client, secretary, building, ent5):
    for code in ("tb-a", "Tb-A", " TB-A"):
        response = get(client, secretary, "buildings:building_detail", code)
        assert response.status_code == 200 and response.context["building"] == building
    assert get(client, secretary, "buildings:enterprise_list", "tb-a").status_code == 200
    client.force_login(secretary)
    assert client.get("/buildings/tb-a/").status_code == 200
    assert client.get("/buildings/tb-a/roster/export.xlsx").status_code == 200
    assert client.get("/buildings/tb-z/").status_code == 404


# ----------------------------------------------------------------------------------------------
# Enterprise detail


def test_enterprise_detail_for_the_secretary(client, secretary, ent5):
    from louwei.buildings import services

    services.update_enterprise(actor=secretary, enterprise=ent5, employee_count=33)
    occupancy = ent5.occupancies.get()
    response = get(client, secretary, "buildings:enterprise_detail", ent5.pk)
    assert response.status_code == 200
    html = response.content.decode()
    assert ent5.uscc in html and "张三" in html
    assert [e.verb for e in response.context["audit"]] == ["enterprise.updated"]
    assert response.context["changes"][0].changes[0].field == "employee_count"
    assert reverse("buildings:move_out", args=[occupancy.pk]) in html
    assert reverse("buildings:enterprise_edit", args=[ent5.pk]) in html


def test_enterprise_detail_shows_past_occupancies(client, secretary, ent5, floor5):
    from louwei.buildings import services

    services.move_in(actor=secretary, enterprise=ent5, floor=floor5, unit_number="05-99",
                     started_on=TODAY - datetime.timedelta(days=10))
    services.move_out(actor=secretary, occupancy=ent5.occupancies.get(unit__number="05-99"), ended_on=TODAY)
    response = get(client, secretary, "buildings:enterprise_detail", ent5.pk)
    assert len(response.context["detail"].occupancies) == 2
    assert len(response.context["detail"].current_occupancies) == 1


def test_enterprise_detail_for_its_own_contact_and_employee(client, contact5, employee5, ent5):
    response = get(client, contact5, "buildings:enterprise_detail", ent5.pk)
    assert response.status_code == 200
    assert response.context["can_edit"] is True
    assert response.context["audit"] is None  # the audit trail is for the committee
    response = get(client, employee5, "buildings:enterprise_detail", ent5.pk)
    assert response.status_code == 200 and response.context["can_edit"] is False


def test_enterprise_detail_for_the_floor_leader(client, leader5, ent5, ent2):
    assert get(client, leader5, "buildings:enterprise_detail", ent5.pk).status_code == 200
    assert get(client, leader5, "buildings:enterprise_detail", ent2.pk).status_code == 403


@pytest.mark.parametrize("who", ["contact2", "leader_elsewhere"])
def test_enterprise_detail_denied(client, request, ent5, who):
    assert get(client, request.getfixturevalue(who), "buildings:enterprise_detail", ent5.pk).status_code == 403


# ----------------------------------------------------------------------------------------------
# Create and edit


def create_data(**overrides):
    data = {
        "name": "网页登记有限公司",
        "uscc": make_uscc(901).lower(),
        "industry": "I",
        "employee_count": 12,
        "party_organisation": "none",
        "party_member_count": 1,
        "phone": "",
        "email": "",
        "description": "",
        "unit_number": "0301",
        "moved_in_on": TODAY.isoformat(),
    }
    data.update(overrides)
    return data


def test_enterprise_create(client, secretary, building):
    floor3 = building.floors.get(number=3)
    response = post(client, secretary, "buildings:enterprise_create", "TB-A", data=create_data(floor=floor3.pk))
    enterprise = Enterprise.objects.get(uscc=make_uscc(901))
    assert response.status_code == 302
    assert response["Location"] == reverse("buildings:enterprise_detail", args=[enterprise.pk])
    assert Occupancy.objects.current().get(enterprise=enterprise).unit.floor == floor3


def test_enterprise_create_shows_service_errors(client, secretary, building, ent5):
    floor3 = building.floors.get(number=3)
    response = post(client, secretary, "buildings:enterprise_create", "TB-A",
                    data=create_data(floor=floor3.pk, uscc=ent5.uscc, employee_count=1, party_member_count=5))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "uscc" in errors and "party_member_count" in errors


def test_enterprise_create_refuses_a_floor_of_another_building(client, secretary, building, other_building):
    response = post(client, secretary, "buildings:enterprise_create", "TB-A",
                    data=create_data(floor=other_building.floors.get().pk))
    assert response.status_code == 200 and "floor" in response.context["form"].errors
    assert not Enterprise.objects.filter(uscc=make_uscc(901)).exists()


@pytest.mark.parametrize("who", ["property_staff", "leader5", "member", "contact5", "employee5", "leader_elsewhere"])
def test_enterprise_create_denied(client, request, building, who):
    user = request.getfixturevalue(who)
    assert get(client, user, "buildings:enterprise_create", "TB-A").status_code == 403
    assert post(client, user, "buildings:enterprise_create", "TB-A", data=create_data()).status_code == 403


def edit_data(enterprise, **overrides):
    data = {key: getattr(enterprise, key) for key in
            ("name", "uscc", "industry", "employee_count", "party_organisation", "party_member_count", "phone",
             "email", "description")}
    data.update(overrides)
    return data


def test_enterprise_edit_by_its_contact(client, contact5, ent5):
    response = post(client, contact5, "buildings:enterprise_edit", ent5.pk,
                    data=edit_data(ent5, employee_count=45, phone="0537 1234567"))
    assert response.status_code == 302
    ent5.refresh_from_db()
    assert ent5.employee_count == 45 and ent5.phone == "0537-1234567"
    assert history_of(ent5).first().actor == contact5


def test_enterprise_edit_form_shows_current_values(client, secretary, ent5):
    response = get(client, secretary, "buildings:enterprise_edit", ent5.pk)
    assert response.status_code == 200
    assert response.context["form"].initial["uscc"] == ent5.uscc


@pytest.mark.parametrize("who", ["property_staff", "leader5", "employee5", "contact2", "leader_elsewhere"])
def test_enterprise_edit_denied(client, request, ent5, who):
    user = request.getfixturevalue(who)
    assert get(client, user, "buildings:enterprise_edit", ent5.pk).status_code == 403
    response = post(client, user, "buildings:enterprise_edit", ent5.pk, data=edit_data(ent5, employee_count=1))
    assert response.status_code == 403
    ent5.refresh_from_db()
    assert ent5.employee_count == 20


# ----------------------------------------------------------------------------------------------
# Move-in and move-out


def test_move_in_and_out(client, secretary, ent5, building):
    floor2 = building.floors.get(number=2)
    response = post(client, secretary, "buildings:move_in", ent5.pk,
                    data={"floor": floor2.pk, "unit_number": "0210", "started_on": TODAY.isoformat()})
    assert response.status_code == 302
    occupancy = Occupancy.objects.get(enterprise=ent5, unit__number="0210")
    response = get(client, secretary, "buildings:move_out", occupancy.pk)
    assert response.status_code == 200
    response = post(client, secretary, "buildings:move_out", occupancy.pk, data={"ended_on": TODAY.isoformat()})
    assert response.status_code == 302
    occupancy.refresh_from_db()
    assert occupancy.ended_on == TODAY
    assert get(client, secretary, "buildings:move_out", occupancy.pk).status_code == 404


def test_move_in_offers_only_floors_one_manages(client, secretary, ent5, other_building):
    response = post(client, secretary, "buildings:move_in", ent5.pk,
                    data={"floor": other_building.floors.get().pk, "unit_number": "0101",
                          "started_on": TODAY.isoformat()})
    assert response.status_code == 200 and "floor" in response.context["form"].errors


def test_move_out_before_move_in_shows_the_error(client, secretary, ent5):
    occupancy = ent5.occupancies.get()
    day_before = (occupancy.started_on - datetime.timedelta(days=1)).isoformat()
    response = post(client, secretary, "buildings:move_out", occupancy.pk, data={"ended_on": day_before})
    assert response.status_code == 200 and "ended_on" in response.context["form"].errors


@pytest.mark.parametrize("who", ["property_staff", "leader5", "contact5", "employee5", "leader_elsewhere", "member"])
def test_moves_denied(client, request, ent5, building, who):
    user = request.getfixturevalue(who)
    occupancy = ent5.occupancies.get()
    assert get(client, user, "buildings:move_in", ent5.pk).status_code == 403
    response = post(client, user, "buildings:move_out", occupancy.pk, data={"ended_on": TODAY.isoformat()})
    assert response.status_code == 403
    occupancy.refresh_from_db()
    assert occupancy.ended_on is None


def test_district_staff_of_another_district_cannot_move_out(client, ent5, other_building):
    outsider = UserFactory()
    grant(outsider, RoleKind.DISTRICT_STAFF, other_building.party_committee)
    occupancy = ent5.occupancies.get()
    response = post(client, outsider, "buildings:move_out", occupancy.pk, data={"ended_on": TODAY.isoformat()})
    assert response.status_code == 403


# ----------------------------------------------------------------------------------------------
# Contacts


def test_contacts_by_the_enterprise_contact(client, contact5, ent5):
    response = post(client, contact5, "buildings:contact_add", ent5.pk,
                    data={"name": "新联系人", "title": "行政", "phone": "139-0000-2222", "email": "", "is_primary": "on"})
    assert response.status_code == 302
    new = ent5.contacts.get(name="新联系人")
    assert new.is_primary and new.phone == "13900002222"
    old = ent5.contacts.get(name="张三")
    assert not old.is_primary
    response = post(client, contact5, "buildings:contact_edit", old.pk,
                    data={"name": "张三", "title": "经理", "phone": "13800000005", "email": ""})
    assert response.status_code == 302
    old.refresh_from_db()
    assert old.title == "经理"
    assert post(client, contact5, "buildings:contact_remove", old.pk).status_code == 302
    assert not ent5.contacts.filter(pk=old.pk).exists()


def test_contact_form_errors(client, secretary, ent5):
    response = post(client, secretary, "buildings:contact_add", ent5.pk, data={"name": "无号码"})
    assert response.status_code == 200 and "phone" in response.context["form"].errors


def test_contact_remove_needs_post(client, secretary, ent5):
    contact = ent5.contacts.get()
    assert get(client, secretary, "buildings:contact_remove", contact.pk).status_code == 405


@pytest.mark.parametrize("who", ["contact2", "employee5", "property_staff", "leader5", "leader_elsewhere"])
def test_contacts_denied(client, request, ent5, who):
    user = request.getfixturevalue(who)
    contact = ent5.contacts.get()
    assert get(client, user, "buildings:contact_add", ent5.pk).status_code == 403
    assert get(client, user, "buildings:contact_edit", contact.pk).status_code == 403
    assert post(client, user, "buildings:contact_remove", contact.pk).status_code == 403
    assert EnterpriseContact.objects.filter(pk=contact.pk).exists()


def test_enterprise_list_survives_bad_parameters(client, secretary, ent5):
    response = get(client, secretary, "buildings:enterprise_list", "TB-A",
                   data={"floor": "abc", "page": "999", "sort": "bogus", "industry": "ZZ", "size": "huge"})
    assert response.status_code == 200
    assert [e.pk for e in response.context["page"].object_list] == [ent5.pk]
