import datetime
import io
import os

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.utils import timezone, translation
from PIL import Image

from louwei.access import SYSTEM
from louwei import access
from louwei.access import Action
from louwei.accounts.models import Role, RoleKind, User
from louwei.committee import services
from louwei.committee.models import AppointmentMethod, BuildingCommittee, FloorLeader, Term
from louwei.core.models import AuditEvent
from louwei.testing.factories import BuildingFactory, EnterpriseFactory, FloorFactory, UserFactory, enterprise_on

from .conftest import START, Tower, image_bytes, media_files, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def empty_tower(db):
    return Tower(floors=3, leaders=False)


def verbs():
    return list(AuditEvent.objects.order_by("id").values_list("verb", flat=True))


# --- committee and terms ------------------------------------------------------------------------


def test_ensure_committee_creates_once_and_updates_when_asked():
    building = BuildingFactory(name="新城发展大厦B座")
    actor = UserFactory(is_superuser=True)  # the services ask access: someone who may
    committee = services.ensure_committee(actor=actor, building=building)
    assert committee.name  # a default name in the active language
    again = services.ensure_committee(actor=actor, building=building)
    assert again.pk == committee.pk
    assert BuildingCommittee.objects.count() == 1
    assert verbs() == ["committee.created"]
    services.ensure_committee(actor=actor, building=building, name="B座楼委会", founded_on=START, phone="0537-2345678")
    committee.refresh_from_db()
    assert (committee.name, committee.founded_on, committee.phone) == ("B座楼委会", START, "0537-2345678")
    assert verbs() == ["committee.created", "committee.updated"]
    assert AuditEvent.objects.order_by("id").last().actor == actor


def test_default_committee_name_is_chinese_in_zh():
    building = BuildingFactory(name="新城发展大厦B座")
    with translation.override("zh-hans"):
        committee = services.ensure_committee(actor=SYSTEM, building=building)
    assert committee.name == "新城发展大厦B座楼委会"


def test_create_term_closes_the_running_term_and_refuses_duplicates(empty_tower):
    t = empty_tower
    second = services.create_term(actor=SYSTEM, committee=t.committee, number=2, started_on=datetime.date(2024, 9, 10))
    t.term.refresh_from_db()
    assert t.term.ended_on == datetime.date(2024, 9, 10)
    assert second.ended_on is None
    with pytest.raises(ValidationError):
        services.create_term(actor=SYSTEM, committee=t.committee, number=2, started_on=datetime.date(2025, 1, 1))
    with pytest.raises(ValidationError):  # must start after the earlier terms
        services.create_term(actor=SYSTEM, committee=t.committee, number=3, started_on=datetime.date(2023, 1, 1))
    with pytest.raises(ValidationError):
        services.create_term(actor=SYSTEM, committee=t.committee, number=3, started_on=datetime.date(2027, 1, 1),
                             ended_on=datetime.date(2026, 1, 1))
    assert Term.objects.filter(committee=t.committee).count() == 2
    assert "term.ended" in verbs() and verbs().count("term.created") == 2


# --- appointing and ending ---------------------------------------------------------------------


def test_appoint_grants_the_floor_leader_role_linked_to_the_appointment(empty_tower):
    t = empty_tower
    floor = t.floor(2)
    user = UserFactory(phone="13912340002")
    actor = UserFactory(is_superuser=True)  # the services ask access: someone who may
    assert not access.can(user, Action.POSTER_PRINT, floor)  # caches the (empty) roles on the user

    leader = services.appoint_floor_leader(
        actor=actor, floor=floor, user=user, term=t.term, method=AppointmentMethod.SELF_CLAIMED, started_on=START,
        enterprise=t.enterprises[2][0],
    )

    assert leader.is_serving and leader.public_phone == "13912340002"  # the person's own mobile by default
    role = leader.role
    assert (role.user, role.kind, role.floor, role.ended_at) == (user, RoleKind.FLOOR_LEADER, floor, None)
    # access.forget(user) was called: the same user object sees the new role at once
    assert access.can(user, Action.POSTER_PRINT, floor)
    assert not access.can(user, Action.POSTER_PRINT, t.floor(3))
    assert verbs()[-2:] == ["role.grant", "floor_leader.appointed"]
    assert AuditEvent.objects.order_by("id").last().actor == actor


def test_end_revokes_the_role_and_keeps_history(tower):
    leader = tower.leaders[2]
    user = leader.user
    assert access.can(user, Action.POSTER_PRINT, leader.floor)
    services.end_floor_leader(actor=SYSTEM, leader=leader, ended_on=datetime.date(2024, 6, 30), reason="迁出大厦")
    leader.refresh_from_db()
    assert leader.ended_on == datetime.date(2024, 6, 30) and leader.end_reason == "迁出大厦"
    assert leader.role.ended_at is not None
    assert not Role.objects.active().filter(user=user, kind=RoleKind.FLOOR_LEADER).exists()
    assert not access.can(user, Action.POSTER_PRINT, leader.floor)
    assert FloorLeader.objects.filter(floor=leader.floor).count() == 1  # history is kept
    assert verbs()[-2:] == ["floor_leader.ended", "role.end"]
    with pytest.raises(ValidationError):
        services.end_floor_leader(actor=SYSTEM, leader=leader, ended_on=datetime.date(2024, 7, 1))


def test_end_refuses_impossible_dates(tower):
    leader = tower.leaders[1]
    with pytest.raises(ValidationError):
        services.end_floor_leader(actor=SYSTEM, leader=leader, ended_on=START - datetime.timedelta(days=1))
    with pytest.raises(ValidationError):
        services.end_floor_leader(actor=SYSTEM, leader=leader, ended_on=timezone.localdate() + datetime.timedelta(days=1))
    leader.refresh_from_db()
    assert leader.is_serving and leader.role.ended_at is None


def test_second_serving_leader_is_refused_by_the_service(tower):
    floor = tower.floor(1)
    before = (FloorLeader.objects.count(), Role.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError) as exc:
        tower.appoint(floor)
    assert exc.value.code == "floor_has_leader"
    assert (FloorLeader.objects.count(), Role.objects.count(), AuditEvent.objects.count()) == before


def test_second_serving_leader_is_refused_by_the_database(tower):
    floor = tower.floor(1)
    with pytest.raises(IntegrityError), transaction.atomic():
        FloorLeader.objects.create(
            floor=floor, term=tower.term, user=UserFactory(), appointment_method=AppointmentMethod.ASSIGNED,
            public_phone="13900000001", started_on=START,
        )
    assert FloorLeader.objects.serving().filter(floor=floor).count() == 1


def test_database_allows_many_ended_appointments_per_floor(tower):
    floor = tower.floor(1)
    for year in (2018, 2019):
        FloorLeader.objects.create(
            floor=floor, term=tower.term, user=UserFactory(), appointment_method=AppointmentMethod.ASSIGNED,
            public_phone="13900000001", started_on=datetime.date(year, 1, 1), ended_on=datetime.date(year, 12, 31),
        )
    assert FloorLeader.objects.filter(floor=floor).count() == 3


def test_replace_ends_the_old_and_appoints_the_new_in_one_step(tower):
    old = tower.leaders[3]
    new_user = UserFactory()
    day = datetime.date(2024, 9, 1)
    new = services.replace_floor_leader(
        actor=SYSTEM, leader=old, user=new_user, method=AppointmentMethod.NOMINATED, started_on=day,
        nominated_by=tower.enterprises[3][0], enterprise=tower.enterprises[3][0], reason="换届",
    )
    old.refresh_from_db()
    assert old.ended_on == day and old.end_reason == "换届" and old.role.ended_at is not None
    assert new.is_serving and new.user == new_user and new.started_on == day and new.term == tower.term
    assert new.nominated_by == tower.enterprises[3][0]
    history = list(FloorLeader.objects.filter(floor=old.floor).order_by("started_on"))
    assert history == [old, new]
    assert not access.can(old.user, Action.POSTER_PRINT, old.floor)
    assert access.can(new_user, Action.POSTER_PRINT, old.floor)


def test_replace_rolls_back_when_the_appointment_is_refused(tower):
    old = tower.leaders[3]
    with pytest.raises(ValidationError):
        services.replace_floor_leader(
            actor=SYSTEM, leader=old, user=UserFactory(), method=AppointmentMethod.NOMINATED,
            started_on=datetime.date(2024, 9, 1),  # nominated without a nominating enterprise
        )
    old.refresh_from_db()
    assert old.is_serving and old.role.ended_at is None


def test_the_same_person_may_serve_again_after_ending(tower):
    leader = tower.leaders[1]
    services.end_floor_leader(actor=SYSTEM, leader=leader, ended_on=datetime.date(2023, 1, 1))
    again = tower.appoint(leader.floor, user=leader.user, started_on=datetime.date(2023, 2, 1))
    assert again.role != leader.role and again.role.ended_at is None


def test_nominated_needs_the_nominating_enterprise_in_the_building(empty_tower):
    t = empty_tower
    with pytest.raises(ValidationError):
        t.appoint(t.floor(1), method=AppointmentMethod.NOMINATED)
    outsider = EnterpriseFactory()
    with pytest.raises(ValidationError):
        t.appoint(t.floor(1), method=AppointmentMethod.NOMINATED, nominated_by=outsider)
    with pytest.raises(ValidationError):
        t.appoint(t.floor(1), enterprise=outsider)
    elsewhere = enterprise_on(FloorFactory())
    with pytest.raises(ValidationError):
        t.appoint(t.floor(1), enterprise=elsewhere)
    assert not FloorLeader.objects.exists() and not Role.objects.filter(kind=RoleKind.FLOOR_LEADER).exists()


def test_appointment_must_fall_in_the_term_of_the_floors_building(empty_tower):
    t = empty_tower
    with pytest.raises(ValidationError):
        t.appoint(t.floor(1), started_on=START - datetime.timedelta(days=1))
    other = Tower(floors=1, leaders=False)
    with pytest.raises(ValidationError):
        services.appoint_floor_leader(actor=SYSTEM, floor=t.floor(1), user=UserFactory(), term=other.term,
                                      method=AppointmentMethod.ASSIGNED, started_on=START)


def test_public_phone_is_validated(empty_tower):
    t = empty_tower
    with pytest.raises(ValidationError):
        t.appoint(t.floor(1), public_phone="12345")
    leader = t.appoint(t.floor(1), public_phone="0537 2345678")
    assert leader.public_phone == "0537-2345678"
    nophone = UserFactory(phone=None)
    with pytest.raises(ValidationError):
        t.appoint(t.floor(2), user=nophone)


# --- photos -------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_photo_is_checked_resized_and_stored_as_jpeg(empty_tower, fmt):
    t = empty_tower
    leader = t.appoint(t.floor(1), photo=upload(image_bytes(fmt, size=(1600, 1200)), name=f"p.{fmt.lower()}"))
    with leader.photo.open("rb") as fh, Image.open(fh) as img:
        assert img.format == "JPEG"
        assert max(img.size) == 800 and img.size == (800, 600)


def test_photo_that_is_not_an_image_is_refused(empty_tower):
    t = empty_tower
    fake = upload(b"%PDF-1.4 not a picture at all", name="me.jpg")
    with pytest.raises(ValidationError) as exc:
        t.appoint(t.floor(1), photo=fake)
    assert exc.value.code == "photo_format"
    gif = upload(image_bytes("GIF"), name="me.gif", content_type="image/gif")
    with pytest.raises(ValidationError):
        t.appoint(t.floor(1), photo=gif)
    assert not FloorLeader.objects.exists()


@override_settings(LOUWEI_MAX_PHOTO_BYTES=10_000)
def test_oversized_photo_is_refused(empty_tower):
    t = empty_tower
    noisy = Image.frombytes("RGB", (300, 300), os.urandom(300 * 300 * 3))
    buf = io.BytesIO()
    noisy.save(buf, format="PNG")
    assert len(buf.getvalue()) > 10_000
    with pytest.raises(ValidationError) as exc:
        t.appoint(t.floor(1), photo=upload(buf.getvalue(), name="big.png"))
    assert exc.value.code == "photo_size"
    assert not FloorLeader.objects.exists()


def test_update_changes_phone_enterprise_and_photo(tower):
    leader = tower.leaders[1]
    other_enterprise = tower.enterprises[2][0]
    services.update_floor_leader(actor=SYSTEM, leader=leader, public_phone="13712345678", enterprise=other_enterprise,
                                 photo=upload(image_bytes()))
    leader.refresh_from_db()
    assert leader.public_phone == "13712345678" and leader.enterprise == other_enterprise and leader.photo
    services.update_floor_leader(actor=SYSTEM, leader=leader, photo=None)
    leader.refresh_from_db()
    assert not leader.photo
    assert verbs().count("floor_leader.updated") == 2
    with pytest.raises(ValidationError):
        services.update_floor_leader(actor=SYSTEM, leader=leader, public_phone="not a phone")
    with pytest.raises(ValidationError):
        services.update_floor_leader(actor=SYSTEM, leader=leader, photo=upload(b"nope"))


def test_update_with_no_change_writes_no_audit(tower):
    leader = tower.leaders[1]
    before = AuditEvent.objects.count()
    services.update_floor_leader(actor=SYSTEM, leader=leader, public_phone=leader.public_phone)
    assert AuditEvent.objects.count() == before


def test_create_person_and_find_person():
    where = FloorFactory()
    user = services.create_person(actor=SYSTEM, name=" 王 小明 ", phone="139 1234 5678", where=where)
    assert (user.name, user.phone, user.username) == ("王 小明", "13912345678", "13912345678")
    assert not user.has_usable_password()
    assert services.find_person("13912345678") == user
    assert services.find_person("１３９１２３４５６７８") == user  # full-width digits
    assert services.find_person(user.username) == user
    assert services.find_person("nobody-here") is None
    with pytest.raises(ValidationError):
        services.create_person(actor=SYSTEM, name="另一人", phone="13912345678", where=where)
    with pytest.raises(ValidationError):
        services.create_person(actor=SYSTEM, name="座机", phone="0537-2345678", where=where)  # not a mobile number


# --- appointments start today or earlier ------------------------------------------------------------


def test_appointment_cannot_start_in_the_future(empty_tower):
    t = empty_tower
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    user = UserFactory()
    with pytest.raises(ValidationError) as exc, translation.override("zh-hans"):
        t.appoint(t.floor(1), user=user, started_on=tomorrow)
    assert exc.value.code == "started_on_future"
    assert "任职不能从将来的日期开始" in exc.value.messages[0]  # translated
    assert not FloorLeader.objects.exists()
    assert not Role.objects.filter(user=user, kind=RoleKind.FLOOR_LEADER).exists()
    assert not access.can(user, Action.POSTER_PRINT, t.floor(1))
    today = t.appoint(t.floor(1), user=user, started_on=timezone.localdate())  # today is fine
    assert today.is_serving


def test_replacement_cannot_start_in_the_future(tower):
    old = tower.leaders[1]
    with pytest.raises(ValidationError) as exc:
        services.replace_floor_leader(actor=SYSTEM, leader=old, user=UserFactory(), method="assigned",
                                      started_on=timezone.localdate() + datetime.timedelta(days=30))
    assert exc.value.code == "started_on_future"
    old.refresh_from_db()
    assert old.is_serving and old.role.ended_at is None


# --- no photo file outlives a failed appointment --------------------------------------------------


def test_refused_appointments_with_a_photo_leave_no_file(tower, settings):
    floor = tower.floor(1)  # has a serving leader
    with pytest.raises(ValidationError):
        tower.appoint(floor, photo=upload(image_bytes()))
    with pytest.raises(ValidationError):
        services.replace_floor_leader(actor=SYSTEM, leader=tower.leaders[2], method="assigned",
                                      started_on=datetime.date(2024, 1, 1), photo=upload(image_bytes()),
                                      new_person=services.NewPerson("王五", tower.leaders[3].user.phone))
    assert media_files(settings) == []


@pytest.mark.django_db(transaction=True)
def test_photo_is_deleted_when_the_appointment_fails_after_storing_it(settings):
    """The photo is written before the transaction commits; when the commit fails (here: the secretary's
    account was deleted meanwhile, so the audit rows point at nobody), the stored file is deleted too."""
    t = Tower(floors=1, leaders=False)
    actor = UserFactory(is_superuser=True)  # the services ask access: someone who may
    User.objects.filter(pk=actor.pk).delete()
    with pytest.raises(IntegrityError):
        services.appoint_floor_leader(
            actor=actor, floor=t.floor(1), user=UserFactory(), term=t.term, method="assigned", started_on=START,
            photo=upload(image_bytes()),
        )
    assert not FloorLeader.objects.exists()
    assert media_files(settings) == []


@pytest.mark.django_db(transaction=True)
def test_a_replaced_photo_is_kept_until_the_change_commits_and_a_failed_change_keeps_the_old_one(settings):
    t = Tower(floors=1)
    leader = services.update_floor_leader(actor=SYSTEM, leader=t.leaders[1], photo=upload(image_bytes()))
    old = leader.photo.name
    assert media_files(settings) == [old]
    actor = UserFactory(is_superuser=True)  # the services ask access: someone who may
    User.objects.filter(pk=actor.pk).delete()
    with pytest.raises(IntegrityError):
        services.update_floor_leader(actor=actor, leader=leader, photo=upload(image_bytes(color=(0, 0, 0))))
    leader.refresh_from_db()
    assert leader.photo.name == old and media_files(settings) == [old]


# --- one service per action ---------------------------------------------------------------------


def test_open_term_sets_up_the_committee_and_numbers_the_terms():
    building = BuildingFactory()
    actor = UserFactory(is_superuser=True)  # the services ask access: someone who may
    first = services.open_term(actor=actor, building=building, started_on=START)
    assert first.number == 1 and first.committee.building == building
    second = services.open_term(actor=actor, building=building, started_on=datetime.date(2024, 9, 10))
    first.refresh_from_db()
    assert second.number == 2 and second.committee == first.committee
    assert first.ended_on == datetime.date(2024, 9, 10)  # the running term ends when the next one starts
    assert BuildingCommittee.objects.filter(building=building).count() == 1
    assert verbs() == ["committee.created", "term.created", "term.ended", "term.created"]


def test_open_term_takes_a_given_number_and_refuses_bad_input():
    building = BuildingFactory()
    third = services.open_term(actor=SYSTEM, building=building, started_on=START, number=3)
    assert third.number == 3
    assert services.open_term(actor=SYSTEM, building=building, started_on=datetime.date(2024, 9, 10)).number == 4
    for kwargs in [
        {"started_on": datetime.date(2025, 1, 1), "number": 4},  # taken
        {"started_on": datetime.date(2020, 1, 1)},  # before the earlier terms
        {"started_on": None},
        {"started_on": datetime.date(2026, 1, 1), "ended_on": datetime.date(2025, 1, 1)},
    ]:
        with pytest.raises(ValidationError):
            services.open_term(actor=SYSTEM, building=building, **kwargs)
    assert Term.objects.filter(committee__building=building).count() == 2


def test_refused_term_on_a_new_building_sets_up_no_committee():
    building = BuildingFactory()
    with pytest.raises(ValidationError):
        services.open_term(actor=SYSTEM, building=building, started_on=START, ended_on=START)
    assert not BuildingCommittee.objects.filter(building=building).exists() and verbs() == []


def test_appoint_a_new_person_creates_them_with_the_appointment(empty_tower):
    t = empty_tower
    leader = services.appoint_floor_leader(
        actor=SYSTEM, floor=t.floor(1), term=t.term, method="assigned", started_on=START,
        new_person=services.NewPerson(name=" 赵 磊 ", phone="136 7777 8888"),
    )
    assert (leader.user.name, leader.user.phone, leader.public_phone) == ("赵 磊", "13677778888", "13677778888")
    assert leader.role.user == leader.user
    assert verbs()[-3:] == ["user.create", "role.grant", "floor_leader.appointed"]


def test_a_refused_appointment_of_a_new_person_creates_nobody(tower):
    users = User.objects.count()
    new = services.NewPerson(name="赵磊", phone="13677778888")
    with pytest.raises(ValidationError) as exc:  # floor 1 already has a leader
        services.appoint_floor_leader(actor=SYSTEM, floor=tower.floor(1), term=tower.term, method="assigned",
                                      started_on=START, new_person=new)
    assert exc.value.code == "floor_has_leader"
    vacant = tower.floor(3)
    services.end_floor_leader(actor=SYSTEM, leader=tower.leaders[3], ended_on=timezone.localdate())
    taken = services.NewPerson("赵磊", tower.leaders[1].user.phone)
    with pytest.raises(ValidationError) as exc:  # the mobile number is someone else's
        services.appoint_floor_leader(actor=SYSTEM, floor=vacant, term=tower.term, method="assigned",
                                      started_on=START, new_person=taken)
    assert exc.value.code == "phone_taken"
    with pytest.raises(ValidationError) as exc:  # a new person needs a mobile number, not a desk phone
        services.appoint_floor_leader(actor=SYSTEM, floor=vacant, term=tower.term, method="assigned",
                                      started_on=START, new_person=services.NewPerson("赵磊", "0537-2345678"))
    assert User.objects.count() == users
    assert not FloorLeader.objects.serving().filter(floor=vacant).exists()


def test_appoint_needs_exactly_one_person(empty_tower):
    t = empty_tower
    common = {"actor": SYSTEM, "floor": t.floor(1), "term": t.term, "method": "assigned", "started_on": START}
    with pytest.raises(ValidationError) as exc:
        services.appoint_floor_leader(**common)
    assert exc.value.code == "person_required"
    with pytest.raises(ValidationError) as exc:
        services.appoint_floor_leader(**common, user=UserFactory(), new_person=services.NewPerson("赵磊", "13677778888"))
    assert exc.value.code == "person_twice"
    assert not FloorLeader.objects.exists()


def test_replace_with_a_new_person(tower):
    old = tower.leaders[2]
    new = services.replace_floor_leader(
        actor=SYSTEM, leader=old, method="assigned", started_on=datetime.date(2024, 9, 1), reason="换届",
        new_person=services.NewPerson("孙悦", "13688889999"),
    )
    old.refresh_from_db()
    assert old.ended_on == datetime.date(2024, 9, 1) and new.user.name == "孙悦" and new.is_serving


def test_an_ended_appointment_cannot_be_edited(tower):
    leader = tower.leaders[1]
    services.end_floor_leader(actor=SYSTEM, leader=leader, ended_on=timezone.localdate())
    with pytest.raises(ValidationError) as exc:
        services.update_floor_leader(actor=SYSTEM, leader=leader, public_phone="0537-2345601")
    assert exc.value.code == "already_ended"
