"""Buildings, floors, enterprises and floor leaders, as each role sees them; the denials; query counts."""

from __future__ import annotations

import pytest

from louwei.access import SYSTEM
from louwei.buildings.models import Building, Enterprise, Floor

BUILDINGS = "/api/v1/buildings/"
FLOORS = "/api/v1/floors/"
ENTERPRISES = "/api/v1/enterprises/"
LEADERS = "/api/v1/floor-leaders/"

ENDPOINTS = [BUILDINGS, FLOORS, ENTERPRISES, LEADERS]


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


def codes(response):
    return sorted(row["code"] for row in results(response))


def ids(response):
    return sorted(row["id"] for row in results(response))


@pytest.mark.parametrize("url", [*ENDPOINTS, f"{BUILDINGS}TB-A/", f"{FLOORS}TB-A-01/", f"{ENTERPRISES}1/"])
def test_anonymous_gets_401(anon, site, url):
    assert anon.get(url).status_code == 401


@pytest.mark.parametrize("url", ENDPOINTS)
def test_a_person_without_roles_sees_empty_lists(api_as, url):
    body = api_as("nobody").get(url).json()
    assert body["count"] == 0 and body["results"] == []


@pytest.mark.parametrize("url", ENDPOINTS)
def test_lists_are_read_only(api_as, url):
    assert api_as("superuser").post(url, {"name": "x"}, format="json").status_code == 405


# --- buildings -------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("superuser", ["TB-A", "TB-B"]),
        ("district_a", ["TB-A"]),
        ("secretary_a", ["TB-A"]),
        ("member_a", ["TB-A"]),
        ("property_a", ["TB-A"]),
        ("leader_a2", ["TB-A"]),
        ("leader_b1", ["TB-B"]),
        ("contact_a2", []),
        ("employee_a3", []),
    ],
)
def test_buildings_each_role_sees(api_as, who, expected):
    assert codes(api_as(who).get(BUILDINGS)) == expected


def test_building_detail(api_as, site):
    body = api_as("secretary_a").get(f"{BUILDINGS}tb-a/").json()
    assert body["code"] == "TB-A" and body["name"] == "测试大厦A座"
    assert body["district"]["code"] == site.a.party_committee.code
    assert body["floor_count"] == 4 and body["enterprise_count"] == 9


@pytest.mark.parametrize("who", ["secretary_a", "leader_a2", "contact_a2", "nobody"])
def test_building_of_another_scope_is_404(api_as, who):
    assert api_as(who).get(f"{BUILDINGS}TB-B/").status_code == 404


# --- floors ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("superuser", ["TB-A-01", "TB-A-02", "TB-A-03", "TB-A-04", "TB-B-01", "TB-B-02"]),
        ("district_a", ["TB-A-01", "TB-A-02", "TB-A-03", "TB-A-04"]),
        ("property_a", ["TB-A-01", "TB-A-02", "TB-A-03", "TB-A-04"]),
        ("leader_a2", ["TB-A-02"]),
        ("leader_b1", ["TB-B-01"]),
        ("contact_a2", []),
    ],
)
def test_floors_each_role_sees(api_as, who, expected):
    assert codes(api_as(who).get(FLOORS)) == expected


def test_floors_filter_by_building(api_as):
    assert codes(api_as("superuser").get(FLOORS, {"building": "tb-b"})) == ["TB-B-01", "TB-B-02"]


def test_floor_detail_and_denial(api_as):
    body = api_as("leader_a2").get(f"{FLOORS}TB-A-02/").json()
    assert body == {
        "code": "TB-A-02", "building": "TB-A", "number": 2, "label": "2F", "name": "",
        "unit_count": 2, "enterprise_count": 2,
    }
    assert api_as("leader_a2").get(f"{FLOORS}TB-A-03/").status_code == 404
    assert api_as("secretary_a").get(f"{FLOORS}TB-B-01/").status_code == 404


# --- enterprises -----------------------------------------------------------------------------------

def test_enterprises_each_role_sees(api_as, site):
    in_a = sorted(e.pk for e in site.enterprises_in_a())
    assert ids(api_as("district_a").get(ENTERPRISES)) == in_a
    assert ids(api_as("secretary_a").get(ENTERPRISES)) == in_a
    assert ids(api_as("property_a").get(ENTERPRISES)) == in_a
    assert ids(api_as("leader_a2").get(ENTERPRISES)) == sorted(e.pk for e in site.a_enterprises[2])
    assert ids(api_as("leader_b1").get(ENTERPRISES)) == [site.b_enterprises[1][0].pk]
    assert ids(api_as("contact_a2").get(ENTERPRISES)) == [site.a_enterprises[2][0].pk]
    assert ids(api_as("employee_a3").get(ENTERPRISES)) == [site.a_enterprises[3][0].pk]
    assert len(ids(api_as("superuser").get(ENTERPRISES))) == Enterprise.objects.count()


def test_floor_leader_of_a_gets_404_for_an_enterprise_of_b(api_as, site):
    other = site.b_enterprises[1][0]
    assert api_as("leader_a2").get(f"{ENTERPRISES}{other.pk}/").status_code == 404
    # …and for an enterprise on another floor of their own building.
    assert api_as("leader_a2").get(f"{ENTERPRISES}{site.a_enterprises[3][0].pk}/").status_code == 404
    assert api_as("leader_a2").get(f"{ENTERPRISES}{site.a_enterprises[2][1].pk}/").status_code == 200


def test_enterprise_contact_sees_only_their_own(api_as, site):
    own, neighbour = site.a_enterprises[2]
    assert api_as("contact_a2").get(f"{ENTERPRISES}{own.pk}/").status_code == 200
    assert api_as("contact_a2").get(f"{ENTERPRISES}{neighbour.pk}/").status_code == 404


def test_enterprise_detail_has_locations_and_contacts(api_as, site):
    enterprise = site.a_enterprises[2][0]
    body = api_as("secretary_a").get(f"{ENTERPRISES}{enterprise.pk}/").json()
    assert body["name"] == enterprise.name and body["uscc"] == enterprise.uscc
    assert body["industry"] == "I" and body["industry_label"].startswith("Information")
    assert [(loc["building"], loc["floor"]) for loc in body["locations"]] == [("TB-A", "TB-A-02")]
    assert [c["name"] for c in body["contacts"]] == ["张三"]


def test_enterprise_filters_and_search(api_as, site):
    client = api_as("superuser")
    assert ids(client.get(ENTERPRISES, {"building": "TB-B"})) == sorted(
        e.pk for lst in site.b_enterprises.values() for e in lst
    )
    assert ids(client.get(ENTERPRISES, {"floor": "tb-a-03"})) == sorted(e.pk for e in site.a_enterprises[3])
    assert [e["name"] for e in results(client.get(ENTERPRISES, {"industry": "F"}))] == ["三楼商贸有限公司"]
    assert [e["name"] for e in results(client.get(ENTERPRISES, {"search": "商贸"}))] == ["三楼商贸有限公司"]
    uscc = site.a_enterprises[1][1].uscc
    assert ids(client.get(ENTERPRISES, {"search": uscc})) == [site.a_enterprises[1][1].pk]
    assert client.get(ENTERPRISES, {"industry": "not-a-code"}).status_code == 400


def test_filters_never_widen_the_scope(api_as, site):
    assert ids(api_as("leader_a2").get(ENTERPRISES, {"building": "TB-B"})) == []
    assert ids(api_as("leader_a2").get(ENTERPRISES, {"floor": "TB-A-03"})) == []
    assert codes(api_as("leader_a2").get(FLOORS, {"building": "TB-B"})) == []


def test_pagination(api_as, site):
    body = api_as("superuser").get(ENTERPRISES, {"limit": 3, "offset": 3}).json()
    assert body["count"] == Enterprise.objects.count()
    assert len(body["results"]) == 3 and "offset=6" in body["next"] and body["previous"]


# --- floor leaders ---------------------------------------------------------------------------------

def test_floor_leaders_each_role_sees(api_as, site):
    a_leaders = sorted(leader.pk for leader in site.a_leaders.values())
    assert ids(api_as("secretary_a").get(LEADERS)) == a_leaders
    assert ids(api_as("district_a").get(LEADERS)) == a_leaders
    assert ids(api_as("leader_a2").get(LEADERS)) == [site.a_leaders[2].pk]
    assert ids(api_as("contact_a2").get(LEADERS)) == []
    assert ids(api_as("superuser").get(LEADERS, {"building": "tb-b"})) == [site.b_leader.pk]


def test_a_floor_leaders_photo_is_the_address_of_the_checked_view(api_as, anon, site):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from louwei.committee.services import update_floor_leader

    image = io.BytesIO()
    Image.new("RGB", (60, 80), "grey").save(image, "JPEG")
    upload = SimpleUploadedFile("p.jpg", image.getvalue())
    leader = update_floor_leader(actor=SYSTEM, leader=site.a_leaders[1], photo=upload)
    photo = api_as("secretary_a").get(f"{LEADERS}{leader.pk}/").json()["photo"]
    assert photo == "http://testserver" + leader.photo_url and "/media/" not in photo
    assert anon.get(photo).status_code == 200  # public while the leader serves


def test_floor_leader_fields_and_only_serving(api_as, site):
    from louwei.committee.services import end_floor_leader

    leader = site.a_leaders[1]
    row = api_as("secretary_a").get(f"{LEADERS}{leader.pk}/").json()
    assert row["building"] == "TB-A" and row["floor"] == "TB-A-01" and row["floor_label"] == "1F"
    assert row["name"] == leader.user.name and row["public_phone"] == leader.public_phone
    assert row["enterprise"] == {"id": leader.enterprise.pk, "name": leader.enterprise.name}
    assert row["term"] == 1 and row["appointment_method"] == "assigned" and row["photo"] is None
    end_floor_leader(actor=SYSTEM, leader=leader, ended_on=leader.started_on)
    assert ids(api_as("secretary_a").get(LEADERS)) == [site.a_leaders[2].pk]
    assert api_as("secretary_a").get(f"{LEADERS}{leader.pk}/").status_code == 404
    assert api_as("secretary_a").get(f"{LEADERS}{site.b_leader.pk}/").status_code == 404


# --- query counts ----------------------------------------------------------------------------------

# Per request: the lock-out check of the address (a cache read: a query with the database cache,
# none with Redis), the token (with its user), the roles, the count and the page, plus one query per
# prefetch.
LIMITS = {BUILDINGS: 5, FLOORS: 5, ENTERPRISES: 6, LEADERS: 5}


@pytest.mark.parametrize("who", ["superuser", "district_a", "leader_a2"])
@pytest.mark.parametrize("url", ENDPOINTS)
def test_list_query_counts_do_not_grow_with_data(api_as, site, django_assert_max_num_queries, url, who):
    client = api_as(who)
    client.get(url)  # stamp last_used_at now, so the next requests do not write it
    with django_assert_max_num_queries(LIMITS[url]):
        small = client.get(url)
    site.more(12)
    with django_assert_max_num_queries(LIMITS[url]):
        large = client.get(url)
    assert small.status_code == large.status_code == 200
    if who != "leader_a2" and url != BUILDINGS:
        assert large.json()["count"] > small.json()["count"]


def test_session_client_query_counts(client, people, site, django_assert_max_num_queries):
    client.force_login(people["secretary_a"])
    site.more(10)
    with django_assert_max_num_queries(7):
        response = client.get(ENTERPRISES, HTTP_ACCEPT="application/json")
    assert response.status_code == 200 and response.json()["count"] == Enterprise.objects.filter(
        occupancies__unit__floor__building=site.a
    ).distinct().count()


def test_counts_match_the_database(api_as, site):
    body = results(api_as("superuser").get(BUILDINGS))
    by_code = {row["code"]: row for row in body}
    for building in Building.objects.all():
        assert by_code[building.code]["floor_count"] == Floor.objects.filter(building=building).count()


def test_enterprise_ordering(api_as, site):
    from louwei.buildings.models import Enterprise as E

    E.objects.filter(pk=site.a_enterprises[4][1].pk).update(employee_count=999)
    first = results(api_as("secretary_a").get(ENTERPRISES, {"ordering": "-employee_count"}))[0]
    assert first["id"] == site.a_enterprises[4][1].pk
    names = [row["name"] for row in results(api_as("secretary_a").get(ENTERPRISES))]
    assert names == sorted(names)
