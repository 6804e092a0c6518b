"""``load_demo`` builds the article's building, and only once; ``demo_logins`` shows how to get in.

The demo is loaded once for this module (``louwei.testing.demo``); each test's writes are rolled back.
What ``load_demo`` does to an empty database is in test_load_demo_empty.py."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone
from PIL import Image

from louwei import access
from louwei.access import Action
from louwei.accounts.models import Role, RoleKind, User
from louwei.buildings.models import Enterprise, EnterpriseContact, Floor, Occupancy, PartyCommittee
from louwei.centre.models import FacilityKind, ServiceCentre
from louwei.committee.models import AppointmentMethod, BuildingCommittee, FloorLeader, Term
from louwei.core.validators import validate_mobile, validate_uscc
from louwei.demo import data

ARTICLE_INDUSTRIES = {"F", "E", "R", "N", "J", "I"}  # 商贸, 建筑, 传媒, 园林, 金融, 信息科技


def row_counts() -> dict[str, int]:
    """Rows in every table of the project and of the history and audit apps."""
    labels = {"core", "accounts", "buildings", "centre", "committee", "demo", "notices", "notifications", "library"}
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in labels and model._meta.managed  # not the SQLite-only full-text table
    }


@pytest.mark.django_db
def test_load_demo_creates_the_articles_building(demo):
    district = PartyCommittee.objects.get(code="TBH")
    assert (district.name, district.district) == ("太白湖新区两新组织党委", "太白湖新区")
    assert demo.name == "新城发展大厦B座"
    assert demo.party_committee == district
    assert demo.is_pilot
    assert "济宁市太白湖新区" in demo.address
    assert demo.property_company.name == "济宁新城物业服务有限公司"
    validate_uscc(demo.property_company.uscc)

    floors = list(demo.floors.order_by("number"))
    assert [f.number for f in floors] == list(range(1, 21))
    assert [f.code for f in floors] == [f"XCFZ-B-{n:02d}" for n in range(1, 21)]
    assert Floor.objects.get(code="XCFZ-B-05").building == demo
    assert all(f.units.count() == 8 for f in floors[1:])
    assert sorted(floors[4].units.values_list("number", flat=True)) == [f"05{n:02d}" for n in range(1, 9)]


@pytest.mark.django_db
def test_the_service_centre_is_on_the_ground_floor_with_its_facilities(demo):
    centre = ServiceCentre.objects.get(building=demo)
    assert centre.name == "两新组织党群服务中心"
    assert centre.floor.number == 1
    assert centre.opening_hours and centre.on_site_services
    kinds = sorted(centre.facilities.values_list("kind", flat=True))
    assert kinds == sorted(
        [FacilityKind.MEETING_ROOM, FacilityKind.MEETING_ROOM, FacilityKind.ACTIVITY_ROOM, FacilityKind.PRINTER]
    )


@pytest.mark.django_db
def test_about_120_enterprises_with_valid_codes_across_the_articles_industries(demo):
    in_building = Enterprise.objects.in_building(demo)
    assert in_building.count() == 120
    assert set(in_building.values_list("industry", flat=True)) == ARTICLE_INDUSTRIES
    for enterprise in Enterprise.objects.all():
        validate_uscc(enterprise.uscc)
        enterprise.full_clean()  # name, phone, party members within employees …
        assert enterprise.uscc[2:4] == "37"  # registered in Shandong (济宁 is 3708xx)
        assert enterprise.contacts.filter(is_primary=True).count() == 1
    organisations = set(in_building.values_list("party_organisation", flat=True))
    assert organisations == {"none", "own_branch", "joint_branch"}
    assert in_building.filter(party_member_count__gt=0).count() > 30
    # Every floor has tenants; some moved within the building or left it (kept as history).
    assert all(in_building.filter(occupancies__unit__floor=f, occupancies__ended_on=None).exists()
               for f in demo.floors.all())
    assert Occupancy.objects.filter(ended_on__isnull=False).count() >= 10
    assert Enterprise.objects.exclude(pk__in=in_building).count() == data.FORMER_TENANTS


@pytest.mark.django_db
def test_the_first_committee_term_and_twenty_serving_floor_leaders(demo):
    committee = BuildingCommittee.objects.get(building=demo)
    assert committee.name == "新城发展大厦B座楼委会"
    assert committee.founded_on == datetime.date(2021, 9, 10)
    assert committee.phone == "0537-2156810"
    term = Term.objects.get(committee=committee)
    assert (term.number, term.started_on, term.ended_on) == (1, datetime.date(2021, 9, 10), None)
    assert term.is_current()

    leaders = list(FloorLeader.objects.serving().select_related("floor", "user", "enterprise", "role"))
    assert len(leaders) == 20
    assert sorted(leader.floor.number for leader in leaders) == list(range(1, 21))
    assert {leader.appointment_method for leader in leaders} == set(AppointmentMethod.values)
    today = timezone.localdate()
    for leader in leaders:
        assert leader.term == term and leader.started_on == datetime.date(2021, 9, 10)
        assert leader.user.name not in data.REAL_NAMES
        validate_mobile(leader.user.phone)
        assert leader.public_phone == leader.user.phone
        # Their enterprise is a current tenant of their floor.
        assert Occupancy.objects.current(today).filter(enterprise=leader.enterprise, unit__floor=leader.floor).exists()
        assert leader.role.kind == RoleKind.FLOOR_LEADER and leader.role.floor == leader.floor
        assert leader.role.ended_at is None
        if leader.appointment_method == AppointmentMethod.NOMINATED:
            assert leader.nominated_by == leader.enterprise
        else:
            assert leader.nominated_by is None
        with leader.photo.open("rb") as photo, Image.open(photo) as image:
            assert image.format == "JPEG" and image.width > 100
    assert FloorLeader.objects.get(floor__code="XCFZ-B-05").user.username == "leader"


EXPECTED_LOGINS = {
    "district": RoleKind.DISTRICT_STAFF,
    "secretary": RoleKind.COMMITTEE_SECRETARY,
    "member": RoleKind.COMMITTEE_MEMBER,
    "property": RoleKind.PROPERTY_STAFF,
    "leader": RoleKind.FLOOR_LEADER,
    "contact": RoleKind.ENTERPRISE_CONTACT,
    "employee": RoleKind.EMPLOYEE,
}


@pytest.mark.django_db
@pytest.mark.parametrize("username", EXPECTED_LOGINS)
def test_each_demo_login_logs_in_with_the_demo_password_and_has_its_role(demo, client, username):
    assert client.login(username=username, password="louwei-demo")
    user = User.objects.get(username=username)
    role = Role.objects.active().get(user=user, kind=EXPECTED_LOGINS[username])
    floor5 = Floor.objects.get(code="XCFZ-B-05")
    if username == "district":
        assert role.party_committee == demo.party_committee
    elif username in {"secretary", "member", "property"}:
        assert role.building == demo
    elif username == "leader":
        assert role.floor == floor5
        assert FloorLeader.objects.serving().get(floor=floor5).user == user
    else:  # contact and employee work for an enterprise on floor 5
        assert role.enterprise in Enterprise.objects.on_floors([floor5])
    assert not user.is_superuser and not user.is_staff
    # What the role allows follows from it: district and secretary manage the committee, the rest do not.
    assert access.can(user, Action.COMMITTEE_MANAGE, demo) == (username in {"district", "secretary"})


@pytest.mark.django_db
def test_the_contact_login_is_the_main_contact_of_its_enterprise(demo):
    user = User.objects.get(username="contact")
    card = EnterpriseContact.objects.get(user=user)
    assert card.is_primary and card.name == user.name and card.phone == user.phone
    assert Role.objects.active().filter(user=user, enterprise=card.enterprise).exists()


@pytest.mark.django_db
def test_a_floor_leader_is_also_an_employee_of_their_enterprise(demo):
    leader = FloorLeader.objects.serving().get(floor__code="XCFZ-B-05")
    assert Role.objects.active().filter(user=leader.user, kind=RoleKind.EMPLOYEE, enterprise=leader.enterprise).exists()


@pytest.mark.django_db
def test_running_load_demo_twice_changes_nothing(demo):
    before = row_counts()
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert row_counts() == before
    assert "nothing to add" in out.getvalue()


@pytest.mark.django_db
def test_load_demo_fills_in_what_is_missing_and_keeps_edits(demo):
    before = row_counts()
    centre = ServiceCentre.objects.get(building=demo)
    centre.facilities.get(kind=FacilityKind.PRINTER).delete()
    demo.name = "新城发展大厦B座（改）"
    demo.save()
    history_rows = demo.history.count()

    call_command("load_demo", stdout=StringIO())

    assert centre.facilities.filter(kind=FacilityKind.PRINTER).count() == 1
    demo.refresh_from_db()
    assert demo.name == "新城发展大厦B座（改）"  # an administrator's edit is not overwritten
    after = row_counts()
    assert after.pop("core.AuditEvent") == before.pop("core.AuditEvent") + 1  # one "demo.loaded" event
    assert after.pop("buildings.HistoricalBuilding") == history_rows
    before.pop("buildings.HistoricalBuilding")
    assert after == before


def test_the_generated_data_is_the_same_every_time():
    first = data.generate()
    data.generate.cache_clear()
    second = data.generate()
    assert first == second
    enterprises = data.enterprises()
    assert len({e.name for e in enterprises}) == len({e.uscc for e in enterprises}) == len(enterprises)
    people = [c.contact.name for c in enterprises] + [leader.person.name for leader in data.floor_leaders()]
    assert not set(people) & data.REAL_NAMES


@pytest.mark.django_db
def test_demo_logins_prints_each_login_with_its_password_and_first_page(demo):
    out = StringIO()
    call_command("demo_logins", "--url", "http://demo.example:8000/", stdout=out)
    text = out.getvalue()
    for username in EXPECTED_LOGINS:
        assert f"  {username} " in text
    handler_logins = ["wuye", "wuye2", "shichang", "renshe", "zhujian"]  # the handlers' staff
    for username in handler_logins:
        assert f"  {username} " in text
    assert text.count("louwei-demo") == len(EXPECTED_LOGINS) + len(handler_logins)
    assert "http://demo.example:8000/cases/" in text
    assert "http://demo.example:8000/f/XCFZ-B-05/" in text
    assert "http://demo.example:8000/buildings/XCFZ-B/committee/" in text


@pytest.mark.django_db
def test_the_demo_has_notices_and_policies_some_unread_on_floor_5(demo):
    from louwei.library.models import PolicyDocument
    from louwei.notices.models import Delivery, Notice, NoticeKind, NoticeStatus
    from louwei.notices.queries import unread_on_my_floors

    # The shared demo ran what its load left for the commit, as in a real run: the library indexed it.
    published = Notice.objects.filter(status=NoticeStatus.PUBLISHED)
    assert published.filter(kind=NoticeKind.NOTICE).exists() and published.filter(kind=NoticeKind.POLICY).exists()
    assert Delivery.objects.filter(first_read_at__isnull=False).exists()
    assert Delivery.objects.filter(first_read_at__isnull=True).exists()
    leader = User.objects.get(username="leader")
    unread = unread_on_my_floors(leader)
    assert unread and all(group["floor"].number == 5 for group in unread)
    # The policies are in the library.
    assert PolicyDocument.objects.count() == published.filter(kind=NoticeKind.POLICY).count()
