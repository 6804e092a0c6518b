"""The staff pages for the rest of the registry (Action.BUILDING_EDIT: floors, units, the service
centre and its facilities): forms on the building page, each as the role that would use it, with
and without htmx, and every denial."""

import pytest
from django.urls import reverse

from louwei.accounts.models import RoleKind
from louwei.buildings.models import Floor, Unit
from louwei.centre.models import Facility, FacilityKind, ServiceCentre
from louwei.core.audit import history_of
from louwei.core.models import AuditEvent
from louwei.testing.factories import UserFactory, grant

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
EDITORS = ["secretary", "district"]
NOT_EDITORS = ["member", "property_staff", "leader5", "contact5", "employee5", "leader_elsewhere"]


@pytest.fixture
def centre(building):
    return ServiceCentre.objects.create(building=building, floor=building.floors.get(number=1), name="党群服务中心")


@pytest.fixture
def room(centre):
    return Facility.objects.create(centre=centre, name="一号会议室", kind=FacilityKind.MEETING_ROOM, capacity=12)


@pytest.fixture
def unit(floor5):
    return Unit.objects.create(floor=floor5, number="0501")


def endpoints(building, floor5, unit, room):
    """(name, url, a POST that would change something) for every registry page."""
    return [
        ("floor_create", reverse("buildings:floor_create", args=[building.code]), {"number": 7}),
        ("units_create", reverse("buildings:units_create", args=[building.code]),
         {"floor": floor5.pk, "numbers": "0510-0512"}),
        ("floor_units", reverse("buildings:floor_units", args=[floor5.code]), None),
        ("unit_edit", reverse("buildings:unit_edit", args=[unit.pk]), {"number": "0599", "area": "10"}),
        ("centre_edit", reverse("buildings:centre_edit", args=[building.code]),
         {"name": "新中心", "floor": floor5.pk, "opening_hours": "", "phone": "", "on_site_services": ""}),
        ("facility_add", reverse("buildings:facility_add", args=[building.code]),
         {"name": "打印机", "kind": "printer"}),
        ("facility_edit", reverse("buildings:facility_edit", args=[room.pk]),
         {"name": "改名会议室", "kind": "meeting_room", "capacity": 20}),
        ("facility_in_use", reverse("buildings:facility_in_use", args=[room.pk]), {"in_use": "0"}),
    ]


def registry_state(building):
    return (
        sorted(Floor.objects.filter(building=building).values_list("number", "name")),
        sorted(Unit.objects.filter(floor__building=building).values_list("floor__number", "number", "area")),
        sorted(ServiceCentre.objects.values_list("name", "floor_id", "opening_hours", "phone")),
        sorted(Facility.objects.values_list("name", "kind", "capacity", "is_active")),
    )


# ----------------------------------------------------------------------------------------------
# Who may


def test_anonymous_is_sent_to_login(client, building, floor5, unit, room):
    for name, url, data in endpoints(building, floor5, unit, room):
        for response in (client.get(url), client.post(url, data or {})):
            assert response.status_code == 302, name
            assert response["Location"].startswith(reverse("accounts:login")), name


@pytest.mark.parametrize("who", NOT_EDITORS)
def test_denied(client, request, building, floor5, unit, room, who):
    client.force_login(request.getfixturevalue(who))
    before = registry_state(building)
    for name, url, data in endpoints(building, floor5, unit, room):
        if name != "facility_in_use":
            assert client.get(url).status_code == 403, name
            assert client.get(url, **HTMX).status_code == 403, name
        if data is not None:
            assert client.post(url, data).status_code == 403, name
            assert client.post(url, data, **HTMX).status_code == 403, name
    assert registry_state(building) == before
    assert not AuditEvent.objects.exists()


def test_district_staff_of_another_district_are_denied(client, building, other_building, floor5, unit, room):
    outsider = UserFactory()
    grant(outsider, RoleKind.DISTRICT_STAFF, other_building.party_committee)
    client.force_login(outsider)
    for name, url, data in endpoints(building, floor5, unit, room):
        if data is not None:
            assert client.post(url, data).status_code == 403, name


@pytest.mark.parametrize("who", EDITORS)
def test_editors_see_the_forms_on_the_building_page(client, request, building, room, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("buildings:building_detail", args=["TB-A"]))
    html = response.content.decode()
    for form_id in ("floor-form", "units-form", "centre-form", "facility-form"):
        assert f'id="{form_id}"' in html
    assert reverse("buildings:floor_units", args=["TB-A-05"]) in html
    assert reverse("buildings:facility_edit", args=[room.pk]) in html
    assert 'hx-post="' in html


@pytest.mark.parametrize("who", EDITORS)
def test_every_page_opens_for_editors(client, request, building, floor5, unit, room, who):
    client.force_login(request.getfixturevalue(who))
    for name, url, _data in endpoints(building, floor5, unit, room):
        if name != "facility_in_use":
            assert client.get(url).status_code == 200, name


# ----------------------------------------------------------------------------------------------
# Floors


@pytest.mark.parametrize("who", EDITORS)
def test_add_a_floor(client, request, building, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    response = client.post(reverse("buildings:floor_create", args=["TB-A"]), {"number": -1, "name": "车库"})
    assert response.status_code == 302
    assert response["Location"] == reverse("buildings:building_detail", args=["TB-A"]) + "#floors"
    floor = Floor.objects.get(building=building, number=-1)
    assert floor.code == "TB-A-B01" and floor.name == "车库"
    event = history_of(building).first()
    assert event.verb == "floor.created" and event.actor == user


def test_add_a_floor_with_htmx(client, secretary, building):
    client.force_login(secretary)
    url = reverse("buildings:floor_create", args=["TB-A"])
    response = client.post(url, {"number": 7}, **HTMX)
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("buildings:building_detail", args=["TB-A"]) + "#floors"
    assert building.floors.filter(number=7).exists()
    # an error comes back as the form alone, to be swapped in place
    response = client.post(url, {"number": 7}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html and 'id="floor-form"' in html
    assert "already has a floor 7" in html
    # without htmx, on a page of its own
    response = client.post(url, {"number": 500})
    assert response.status_code == 200 and "<html" in response.content.decode()
    assert "number" in response.context["form"].errors


# ----------------------------------------------------------------------------------------------
# Units


@pytest.mark.parametrize(
    "numbers,expected",
    [("0501-0504", ["0501", "0502", "0503", "0504"]), ("0501, 0503，0505、A-12", ["0501", "0503", "0505", "A-12"]),
     ("０５０１ ~ ０５０２", ["0501", "0502"])],
)
def test_add_several_units_at_once(client, secretary, building, floor5, numbers, expected):
    client.force_login(secretary)
    response = client.post(reverse("buildings:units_create", args=["TB-A"]),
                           {"floor": floor5.pk, "numbers": numbers, "area": "45.5"})
    assert response.status_code == 302
    assert list(floor5.units.order_by("number").values_list("number", flat=True)) == sorted(expected)
    assert {str(a) for a in floor5.units.values_list("area", flat=True)} == {"45.50"}
    assert AuditEvent.objects.filter(verb="unit.created").count() == len(expected)


def test_adding_units_is_all_or_nothing(client, secretary, building, floor5, unit):
    client.force_login(secretary)
    url = reverse("buildings:units_create", args=["TB-A"])
    response = client.post(url, {"floor": floor5.pk, "numbers": "0499-0502"})
    assert response.status_code == 200
    assert "0501" in str(response.context["form"].errors["numbers"])
    assert list(floor5.units.values_list("number", flat=True)) == ["0501"]
    response = client.post(url, {"floor": floor5.pk, "numbers": "0508-0501"}, **HTMX)
    assert "from the lower number to the higher" in response.content.decode()


def test_units_only_on_a_floor_of_the_building(client, secretary, building, other_building):
    client.force_login(secretary)
    response = client.post(reverse("buildings:units_create", args=["TB-A"]),
                           {"floor": other_building.floors.get().pk, "numbers": "0101"})
    assert response.status_code == 200 and "floor" in response.context["form"].errors
    assert not Unit.objects.exists()


def test_the_floor_page_lists_units_and_adds_more(client, district, building, floor5, unit, ent5):
    client.force_login(district)
    url = reverse("buildings:floor_units", args=["tb-a-05"])  # any case
    response = client.get(url)
    assert response.status_code == 200
    numbers = [u.number for u in response.context["units"]]
    assert "0501" in numbers and ent5.occupancies.get().unit.number in numbers
    occupied = {u.number: u.enterprise_count for u in response.context["units"]}
    assert occupied["0501"] == 0 and occupied[ent5.occupancies.get().unit.number] == 1
    add = reverse("buildings:units_create", args=["TB-A"]) + f"?floor={floor5.pk}"
    assert add in response.content.decode()
    response = client.post(add, {"floor": floor5.pk, "numbers": "0520"})
    assert response["Location"] == reverse("buildings:floor_units", args=["TB-A-05"])
    assert floor5.units.filter(number="0520").exists()


def test_rename_a_unit_and_set_its_area(client, secretary, building, unit):
    client.force_login(secretary)
    url = reverse("buildings:unit_edit", args=[unit.pk])
    response = client.post(url, {"number": "0501a", "area": "88"})
    assert response.status_code == 302
    assert response["Location"] == reverse("buildings:floor_units", args=["TB-A-05"])
    unit.refresh_from_db()
    assert unit.number == "0501A" and str(unit.area) == "88.00"
    assert history_of(building).first().verb == "unit.updated"


def test_edit_a_unit_in_its_row_with_htmx(client, secretary, building, floor5, unit):
    Unit.objects.create(floor=floor5, number="0502")
    client.force_login(secretary)
    url = reverse("buildings:unit_edit", args=[unit.pk])
    form_row = client.get(url, **HTMX).content.decode()
    assert form_row.lstrip().startswith(f'<li class="list-item" id="unit-{unit.pk}"') and "<form" in form_row
    taken = client.post(url, {"number": "0502", "area": ""}, **HTMX)
    assert "already has a unit 0502" in taken.content.decode() and "<form" in taken.content.decode()
    saved = client.post(url, {"number": "0503", "area": "12.5"}, **HTMX).content.decode()
    assert "<form" not in saved and "0503" in saved and "12.50" in saved
    unit.refresh_from_db()
    assert unit.number == "0503"


# ----------------------------------------------------------------------------------------------
# The service centre and its facilities


@pytest.mark.parametrize("who", EDITORS)
def test_set_up_the_service_centre(client, request, building, who):
    client.force_login(request.getfixturevalue(who))
    floor1 = building.floors.get(number=1)
    response = client.post(reverse("buildings:centre_edit", args=["TB-A"]), {
        "name": "党群服务中心", "floor": floor1.pk, "opening_hours": "工作日 9:00–17:30", "phone": "0537 1234567",
        "on_site_services": "每周三 税务咨询",
    })
    assert response.status_code == 302
    centre = ServiceCentre.objects.get(building=building)
    assert centre.floor == floor1 and centre.phone == "0537-1234567"
    assert history_of(building).first().verb == "centre.created"


def test_edit_the_service_centre(client, secretary, building, centre):
    client.force_login(secretary)
    url = reverse("buildings:centre_edit", args=["TB-A"])
    assert client.get(url).context["form"].initial["name"] == "党群服务中心"
    data = {"name": "党群服务中心", "floor": building.floors.get(number=2).pk, "opening_hours": "每天 8:00–20:00",
            "phone": "", "on_site_services": ""}
    assert client.post(url, data).status_code == 302
    centre.refresh_from_db()
    assert centre.floor.number == 2 and centre.opening_hours == "每天 8:00–20:00"
    assert history_of(building).first().verb == "centre.updated"
    response = client.post(url, {**data, "phone": "123"}, **HTMX)
    assert response.status_code == 200 and 'id="centre-form"' in response.content.decode()
    assert "<html" not in response.content.decode()


def test_a_facility_needs_a_centre(client, secretary, building):
    client.force_login(secretary)
    assert client.get(reverse("buildings:facility_add", args=["TB-A"])).status_code == 404


def test_add_edit_and_take_a_facility_out_of_use(client, secretary, property_staff, building, centre):
    client.force_login(secretary)
    add = reverse("buildings:facility_add", args=["TB-A"])
    response = client.post(add, {"name": "二号会议室", "kind": "meeting_room", "capacity": 8, "description": "投影仪"})
    assert response.status_code == 302
    facility = Facility.objects.get(name="二号会议室")
    assert facility.capacity == 8 and facility.is_active
    duplicate = client.post(add, {"name": "二号会议室", "kind": "meeting_room"})
    assert "name" in duplicate.context["form"].errors

    edit = reverse("buildings:facility_edit", args=[facility.pk])
    form_row = client.get(edit, **HTMX).content.decode().lstrip()
    assert form_row.startswith(f'<li class="list-item" id="facility-{facility.pk}"') and "<form" in form_row
    saved = client.post(edit, {"name": "二号会议室", "kind": "meeting_room", "capacity": 10}, **HTMX).content.decode()
    assert 'name="capacity"' not in saved and "10 seats" in saved  # the row again, not the form
    facility.refresh_from_db()
    assert facility.capacity == 10

    toggle = reverse("buildings:facility_in_use", args=[facility.pk])
    row = client.post(toggle, {"in_use": "0"}, **HTMX).content.decode()
    assert "Out of use" in row and "Put back in use" in row
    facility.refresh_from_db()
    assert not facility.is_active
    # people who do not manage the centre no longer see it
    client.force_login(property_staff)
    assert "二号会议室" not in client.get(reverse("buildings:building_detail", args=["TB-A"])).content.decode()
    client.force_login(secretary)
    response = client.post(toggle, {"in_use": "1"})
    assert response["Location"] == reverse("buildings:building_detail", args=["TB-A"]) + "#centre"
    facility.refresh_from_db()
    assert facility.is_active
    verbs = [e.verb for e in history_of(building)]
    assert verbs[:4] == ["facility.updated"] * 3 + ["facility.added"]


def test_facility_in_use_needs_post(client, secretary, room):
    client.force_login(secretary)
    assert client.get(reverse("buildings:facility_in_use", args=[room.pk])).status_code == 405
