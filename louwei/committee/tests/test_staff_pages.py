import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from louwei.access import SYSTEM
from louwei.accounts.models import Role, RoleKind, User
from louwei.committee import services
from louwei.committee.models import AppointmentMethod, FloorLeader, Term
from louwei.core import phones
from louwei.core.models import AuditEvent
from louwei.testing.factories import UserFactory, grant

from .conftest import START, Tower, image_bytes, media_files, upload

pytestmark = pytest.mark.django_db


def manage_url(tower):
    return reverse("committee:manage", args=[tower.building.code])


def appoint_url(floor):
    return reverse("committee:appoint", args=[floor.code])


def staff_urls(tower):
    """Every staff URL of the committee, for the access checks (GET)."""
    leader = tower.leaders[1]
    return [
        manage_url(tower),
        reverse("committee:end", args=[leader.pk]),
        reverse("committee:replace", args=[leader.pk]),
        reverse("committee:edit_leader", args=[leader.pk]),
        reverse("committee:floor_poster", args=[tower.floor(1).code]),
        reverse("committee:building_posters", args=[tower.building.code]),
    ]


def vacate(tower, number):
    services.end_floor_leader(actor=SYSTEM, leader=tower.leaders[number], ended_on=timezone.localdate())
    return tower.floor(number)


# --- who may look, who may change ---------------------------------------------------------------


def test_anonymous_is_sent_to_the_login_page(client, tower):
    vacant = vacate(tower, 3)
    for url in [*staff_urls(tower), appoint_url(vacant)]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login")) and "next=" in response["Location"]
    for url, data in [
        (reverse("committee:term_create", args=[tower.building.code]), {"number": 2, "started_on": "2024-09-10"}),
        (reverse("committee:committee_edit", args=[tower.building.code]), {"name": "x"}),
    ]:
        assert client.post(url, data).status_code == 302
    assert Term.objects.count() == 1


@pytest.mark.parametrize("who", ["secretary", "district"])
def test_managers_see_every_floor_with_actions(client, tower, people, who):
    vacant = vacate(tower, 3)
    client.force_login(people[who])
    response = client.get(manage_url(tower))
    assert response.status_code == 200
    html = response.content.decode()
    for number in (1, 2):
        leader = tower.leaders[number]
        assert leader.user.name in html
        assert leader.enterprise.name in html
        assert f'href="tel:{leader.public_phone}"' in html
        assert reverse("committee:end", args=[leader.pk]) in html
        assert reverse("committee:replace", args=[leader.pk]) in html
    assert appoint_url(vacant) in html
    assert 'class="list-item floor-row is-vacant"' in html  # the floor without a leader is marked
    assert reverse("committee:term_create", args=[tower.building.code]) in html
    # the ended appointment stays in the floor's history, with its reason for the managers
    assert tower.leaders[3].user.name in html


@pytest.mark.parametrize("who", ["property", "member", "leader"])
def test_other_building_staff_and_floor_leaders_look_read_only(client, tower, people, who):
    vacate(tower, 3)
    client.force_login(people[who])
    response = client.get(manage_url(tower))
    assert response.status_code == 200
    html = response.content.decode()
    assert tower.leaders[1].user.name in html and tower.leaders[1].public_phone in html
    assert appoint_url(tower.floor(3)) not in html
    assert reverse("committee:end", args=[tower.leaders[1].pk]) not in html
    assert reverse("committee:term_create", args=[tower.building.code]) not in html
    assert reverse("committee:committee_edit", args=[tower.building.code]) not in html
    assert reverse("committee:edit_leader", args=[tower.leaders[1].pk]) not in html
    # no form that changes anything in the page's content (printing posters starts a job of one's own)
    forms = re.findall(r'<form[^>]*method="post"[^>]*>', html.split('id="main"')[1])
    assert all('class="job-start"' in form for form in forms), forms


def test_a_floor_leader_gets_the_poster_link_of_their_own_floor_only(client, tower, people):
    client.force_login(people["leader"])  # leader of floor 2
    html = client.get(manage_url(tower)).content.decode()
    assert reverse("committee:floor_poster", args=[tower.floor(2).code]) in html
    assert reverse("committee:floor_poster", args=[tower.floor(1).code]) not in html
    assert reverse("committee:building_posters", args=[tower.building.code]) not in html


@pytest.mark.parametrize("who", ["employee", "contact", "other_secretary", "nobody"])
def test_people_outside_the_building_staff_get_403(client, tower, people, who):
    client.force_login(people[who])
    assert client.get(manage_url(tower)).status_code == 403


@pytest.mark.parametrize("who", ["employee", "contact", "property", "member", "leader", "other_secretary"])
def test_only_managers_may_change_anything(client, tower, people, who):
    vacant = vacate(tower, 3)
    client.force_login(people[who])
    leader = tower.leaders[1]
    before = (FloorLeader.objects.count(), Term.objects.count(), AuditEvent.objects.count(), User.objects.count())
    assert client.get(appoint_url(vacant)).status_code == 403
    assert client.post(appoint_url(vacant), {
        "new_name": "新楼长", "new_phone": "13612345678", "method": "assigned", "term": tower.term.pk,
        "started_on": "2024-01-01",
    }).status_code == 403
    for name in ("end", "replace", "edit_leader"):
        url = reverse(f"committee:{name}", args=[leader.pk])
        assert client.get(url).status_code == 403
        assert client.post(url, {"ended_on": "2024-01-01", "public_phone": "13612345678"}).status_code == 403
    assert client.post(reverse("committee:term_create", args=[tower.building.code]),
                       {"number": 2, "started_on": "2024-09-10"}).status_code == 403
    assert client.post(reverse("committee:committee_edit", args=[tower.building.code]),
                       {"name": "改名"}).status_code == 403
    after = (FloorLeader.objects.count(), Term.objects.count(), AuditEvent.objects.count(), User.objects.count())
    assert after == before
    leader.refresh_from_db()
    assert leader.is_serving


def test_unknown_codes_give_404(client, tower, people):
    client.force_login(people["secretary"])
    assert client.get(reverse("committee:manage", args=["NOPE"])).status_code == 404
    assert client.get(reverse("committee:appoint", args=["NOPE-01"])).status_code == 404
    assert client.get(reverse("committee:end", args=[999999])).status_code == 404


# --- appointing through the page ----------------------------------------------------------------


def test_secretary_appoints_an_existing_person_by_mobile_number_with_a_photo(client, tower, people):
    floor = vacate(tower, 3)
    person = UserFactory(name="李红", phone="13655556666")
    client.force_login(people["secretary"])
    assert client.get(appoint_url(floor)).status_code == 200
    response = client.post(appoint_url(floor), {
        "person": "136 5555 6666", "enterprise": tower.enterprises[3][0].pk, "method": AppointmentMethod.NOMINATED,
        "nominated_by": tower.enterprises[3][0].pk, "term": tower.term.pk, "started_on": "2024-03-01",
        "public_phone": "", "photo": upload(image_bytes("PNG")),
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    leader = FloorLeader.objects.serving().get(floor=floor)
    assert leader.user == person and leader.public_phone == "13655556666" and leader.photo
    assert leader.appointment_method == AppointmentMethod.NOMINATED
    assert leader.role.kind == RoleKind.FLOOR_LEADER and leader.role.ended_at is None
    assert AuditEvent.objects.filter(verb="floor_leader.appointed", actor=people["secretary"]).exists()
    page = client.get(manage_url(tower)).content.decode()
    assert "李红" in page and leader.photo_url in page


def test_secretary_appoints_a_new_person(client, tower, people):
    floor = vacate(tower, 3)
    client.force_login(people["secretary"])
    response = client.post(appoint_url(floor), {
        "new_name": "赵磊", "new_phone": "13677778888", "method": AppointmentMethod.SELF_CLAIMED,
        "term": tower.term.pk, "started_on": "2024-03-01", "public_phone": "0537-2345600",
    })
    assert response.status_code == 302
    leader = FloorLeader.objects.serving().get(floor=floor)
    assert (leader.user.name, leader.user.phone, leader.public_phone) == ("赵磊", "13677778888", "0537-2345600")
    assert AuditEvent.objects.filter(verb="user.create").exists()


def test_a_refused_appointment_creates_no_person_and_shows_the_reason(client, tower, people):
    floor = vacate(tower, 3)
    client.force_login(people["secretary"])
    users = User.objects.count()
    response = client.post(appoint_url(floor), {
        "new_name": "赵磊", "new_phone": "13677778888", "method": AppointmentMethod.ASSIGNED,
        "term": tower.term.pk, "started_on": "2024-03-01", "photo": upload(b"GIF89a not really", name="x.jpg"),
    })
    assert response.status_code == 400
    assert "照片须为 JPEG、PNG 或 WebP 格式的图片" in response.content.decode()
    assert User.objects.count() == users
    assert not FloorLeader.objects.serving().filter(floor=floor).exists()


def test_appoint_form_checks_its_input(client, tower, people):
    floor = vacate(tower, 3)
    client.force_login(people["secretary"])
    for data in [
        {},  # no person at all
        {"person": "nobody-with-this-name"},
        {"person": people["member"].username, "new_name": "两个都填", "new_phone": "13600000000"},
        {"person": people["member"].username, "method": AppointmentMethod.NOMINATED},  # no nominating enterprise
        {"new_name": "座机", "new_phone": "0537-2345678"},  # a new person needs a mobile number
    ]:
        post = {"method": AppointmentMethod.ASSIGNED, "term": tower.term.pk, "started_on": "2024-03-01", **data}
        assert client.post(appoint_url(floor), post).status_code == 400, data
    assert not FloorLeader.objects.serving().filter(floor=floor).exists()


def test_a_floor_with_a_leader_cannot_get_a_second_one_through_the_page(client, tower, people):
    client.force_login(people["secretary"])
    floor = tower.floor(1)
    response = client.get(appoint_url(floor))  # nothing entered yet: back to the floor, with a message
    assert response.status_code == 302
    response = client.post(appoint_url(floor), {
        "person": people["member"].username, "method": "assigned", "term": tower.term.pk, "started_on": "2024-03-01",
    })
    assert response.status_code == 400  # what was entered is shown again, with the reason
    assert "已有在任楼长" in response.content.decode()
    assert FloorLeader.objects.serving().get(floor=floor) == tower.leaders[1]


def test_secretary_ends_an_appointment(client, tower, people):
    leader = tower.leaders[2]
    client.force_login(people["secretary"])
    url = reverse("committee:end", args=[leader.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"ended_on": "2099-01-01"}).status_code == 400  # not in the future
    response = client.post(url, {"ended_on": "2024-05-31", "reason": "迁出大厦"})
    assert response.status_code == 302
    leader.refresh_from_db()
    assert leader.ended_on == datetime.date(2024, 5, 31) and leader.end_reason == "迁出大厦"
    assert not Role.objects.active().filter(user=leader.user, kind=RoleKind.FLOOR_LEADER).exists()
    # The former leader can no longer print the floor's poster.
    client.force_login(leader.user)
    assert client.get(reverse("committee:floor_poster", args=[leader.floor.code])).status_code == 403


def test_secretary_replaces_a_leader(client, tower, people):
    old = tower.leaders[2]
    client.force_login(people["secretary"])
    url = reverse("committee:replace", args=[old.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {
        "new_name": "孙悦", "new_phone": "13688889999", "method": AppointmentMethod.ASSIGNED, "term": tower.term.pk,
        "started_on": "2024-09-01", "reason": "换届调整",
    })
    assert response.status_code == 302
    old.refresh_from_db()
    assert old.ended_on == datetime.date(2024, 9, 1) and old.end_reason == "换届调整"
    new = FloorLeader.objects.serving().get(floor=old.floor)
    assert new.user.name == "孙悦" and new.started_on == datetime.date(2024, 9, 1)
    html = client.get(manage_url(tower)).content.decode()
    assert "孙悦" in html and old.user.name in html and "换届调整" in html  # history kept and shown


def test_secretary_edits_phone_enterprise_and_photo(client, tower, people):
    leader = tower.leaders[1]
    client.force_login(people["secretary"])
    url = reverse("committee:edit_leader", args=[leader.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"public_phone": "0537-2345601", "enterprise": tower.enterprises[2][0].pk,
                                 "photo": upload(image_bytes())})
    assert response.status_code == 302
    leader.refresh_from_db()
    assert leader.public_phone == "0537-2345601" and leader.enterprise == tower.enterprises[2][0] and leader.photo
    assert client.post(url, {"public_phone": "12"}).status_code == 400
    response = client.post(url, {"public_phone": "0537-2345601", "enterprise": tower.enterprises[2][0].pk,
                                 "remove_photo": "on"})
    assert response.status_code == 302
    leader.refresh_from_db()
    assert not leader.photo


def test_secretary_creates_a_term_and_edits_the_committee(client, tower, people):
    client.force_login(people["secretary"])
    response = client.post(reverse("committee:term_create", args=[tower.building.code]),
                           {"number": 2, "started_on": "2024-09-10"})
    assert response.status_code == 302
    assert Term.objects.get(committee=tower.committee, number=2).started_on == datetime.date(2024, 9, 10)
    tower.term.refresh_from_db()
    assert tower.term.ended_on == datetime.date(2024, 9, 10)
    duplicate = client.post(reverse("committee:term_create", args=[tower.building.code]),
                            {"number": 2, "started_on": "2025-09-10"})
    assert duplicate.status_code == 400
    response = client.post(reverse("committee:committee_edit", args=[tower.building.code]),
                           {"name": "B座楼委会", "founded_on": "2021-09-10", "phone": "0537 2345 699"})
    assert response.status_code == 302
    tower.committee.refresh_from_db()
    assert (tower.committee.name, tower.committee.phone) == ("B座楼委会", "0537-2345699")


def test_the_first_term_sets_up_the_committee(client, people, db):
    bare = Tower(floors=1, leaders=False)
    bare.committee.delete()
    grant(people["secretary"], RoleKind.COMMITTEE_SECRETARY, bare.building)
    client.force_login(people["secretary"])
    html = client.get(reverse("committee:manage", args=[bare.building.code])).content.decode()
    assert "尚未成立楼委会" in html
    response = client.post(reverse("committee:term_create", args=[bare.building.code]),
                           {"number": 1, "started_on": "2021-09-10"})
    assert response.status_code == 302
    bare.building.refresh_from_db()
    assert bare.building.committee.terms.get().number == 1


# --- query counts -------------------------------------------------------------------------------


@pytest.mark.parametrize("floors,per_floor", [(2, 1), (12, 4)])
def test_manage_page_query_count_does_not_grow(client, django_assert_max_num_queries, floors, per_floor):
    tower = Tower(floors=floors, enterprises_per_floor=per_floor)
    # some history on every floor
    for leader in tower.leaders.values():
        services.replace_floor_leader(actor=SYSTEM, leader=leader, user=UserFactory(), method="assigned",
                                      started_on=START + datetime.timedelta(days=30))
    secretary = UserFactory()
    grant(secretary, RoleKind.COMMITTEE_SECRETARY, tower.building)
    client.force_login(secretary)
    with django_assert_max_num_queries(12):  # 10 today: session, user, roles, building, terms, floors, ...
        response = client.get(manage_url(tower))
    assert response.status_code == 200


# --- refused input is shown on the form, never a server error -------------------------------------


def appoint_post(tower, **data):
    return {"new_name": "赵磊", "new_phone": "13677778888", "method": AppointmentMethod.ASSIGNED,
            "term": tower.term.pk, "started_on": "2024-03-01", **data}


def test_appointing_a_floor_taken_meanwhile_shows_the_form_again_with_the_reason(client, tower, people, settings):
    floor = vacate(tower, 3)
    client.force_login(people["secretary"])
    assert client.get(appoint_url(floor)).status_code == 200  # the form loads on a vacant floor ...
    meanwhile = tower.appoint(floor, started_on=datetime.date(2024, 2, 1))  # ... someone else appoints first
    users = User.objects.count()
    response = client.post(appoint_url(floor), appoint_post(tower, photo=upload(image_bytes())))
    assert response.status_code == 400
    html = response.content.decode()
    assert f"{floor.label}已有在任楼长（{meanwhile.user.name}）" in html
    assert 'value="赵磊"' in html  # what was entered is kept
    assert FloorLeader.objects.serving().get(floor=floor) == meanwhile
    assert User.objects.count() == users  # the new person was not created
    assert media_files(settings) == []  # nor the photo kept


def test_an_appointment_dated_in_the_future_is_refused_on_the_form(client, tower, people):
    floor = vacate(tower, 3)
    client.force_login(people["secretary"])
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client.post(appoint_url(floor), appoint_post(tower, started_on=tomorrow.isoformat()))
    assert response.status_code == 400
    assert "任职不能从将来的日期开始" in response.content.decode()
    assert not FloorLeader.objects.serving().filter(floor=floor).exists()
    response = client.post(reverse("committee:replace", args=[tower.leaders[1].pk]),
                           appoint_post(tower, started_on=tomorrow.isoformat()))
    assert response.status_code == 400
    assert "任职不能从将来的日期开始" in response.content.decode()


def test_an_appointment_ended_meanwhile_is_refused_on_each_form(client, tower, people):
    leader = tower.leaders[1]
    client.force_login(people["secretary"])
    urls = {name: reverse(f"committee:{name}", args=[leader.pk]) for name in ("end", "replace", "edit_leader")}
    for url in urls.values():
        assert client.get(url).status_code == 200
    services.end_floor_leader(actor=SYSTEM, leader=leader, ended_on=timezone.localdate())  # by someone else
    for name, data in [
        ("end", {"ended_on": timezone.localdate().isoformat()}),
        ("replace", appoint_post(tower)),
        ("edit_leader", {"public_phone": "0537-2345601"}),
    ]:
        response = client.post(urls[name], data)
        assert response.status_code == 400, name
        assert "该任职已经结束" in response.content.decode(), name
    assert not FloorLeader.objects.serving().filter(floor=leader.floor).exists()
    assert not User.objects.filter(phone="13677778888").exists()


def test_a_new_persons_mobile_number_already_known_is_refused_on_the_form(client, tower, people):
    floor = vacate(tower, 3)
    client.force_login(people["secretary"])
    taken = tower.leaders[1].user.phone
    response = client.post(appoint_url(floor), appoint_post(tower, new_phone=taken))
    assert response.status_code == 400
    assert f"手机号为 {phones.display(taken)} 的人员已存在" in response.content.decode()


def test_a_refused_term_is_shown_on_the_form(client, tower, people):
    client.force_login(people["secretary"])
    url = reverse("committee:term_create", args=[tower.building.code])
    for data in [{"started_on": "2020-01-01"}, {"number": 1, "started_on": "2025-01-01"},
                 {"started_on": "2025-01-01", "ended_on": "2024-01-01"}, {}]:
        response = client.post(url, data)
        assert response.status_code == 400, data
        assert 'class="errorlist' in response.content.decode(), data
    assert Term.objects.filter(committee=tower.committee).count() == 1


def test_a_new_term_is_numbered_by_the_service(client, tower, people):
    client.force_login(people["secretary"])
    html = client.get(manage_url(tower)).content.decode()
    assert 'name="number" value="2"' in html  # the number the next term gets, shown
    response = client.post(reverse("committee:term_create", args=[tower.building.code]),
                           {"number": "", "started_on": "2024-09-10"})
    assert response.status_code == 302
    assert Term.objects.filter(committee=tower.committee).order_by("number").last().number == 2
