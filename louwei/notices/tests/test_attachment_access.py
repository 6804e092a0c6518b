"""A notice's attachment reaches exactly those who may read the notice: never through a public
address, never before publication outside the writers' staff, never on another floor, building or
district. Stored under a random name; behind nginx it is handed over with X-Accel-Redirect."""

import re
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse

from louwei.access import SYSTEM
from louwei.accounts.models import RoleKind
from louwei.core.files import is_private_name
from louwei.notices import services
from louwei.notices.models import Attachment
from louwei.testing.factories import (
    BuildingFactory,
    FloorFactory,
    FloorLeaderFactory,
    UserFactory,
    enterprise_on,
    grant,
)

from louwei.testing.files import put_in_old_layout, run_data_migration, who_gets

from .test_services import pdf_bytes

pytestmark = pytest.mark.django_db

NAME = re.compile(r"^notices/\d{4}/\d{2}/[0-9a-f]{32}\.pdf$")


@pytest.fixture
def outsiders(park):
    """Another district with a building, its staff and an enterprise contact there."""
    other = BuildingFactory(code="OX")
    floor = FloorFactory(building=other, number=6)
    staff = UserFactory(username="other_district")
    grant(staff, RoleKind.DISTRICT_STAFF, other.party_committee)
    contact = UserFactory(username="other_district_contact")
    grant(contact, RoleKind.ENTERPRISE_CONTACT, enterprise_on(floor))
    leader = FloorLeaderFactory(floor=floor).user
    return {"district_staff": staff, "contact": contact, "leader": leader}


def url(attachment) -> str:
    return reverse("notices:attachment", args=[attachment.pk])


def attach(park, notice):
    return services.add_attachment(actor=SYSTEM, notice=notice,  # a district notice is not the secretary's
                                   upload=SimpleUploadedFile("第6层 消防通知.pdf", pdf_bytes()))


def everyone(park, outsiders):
    return {
        "anonymous": None,
        "secretary": park.secretary, "member": park.member, "district_staff": park.district_staff,
        "leader_floor_1": park.leader1, "leader_floor_2": park.leader2,
        "contact_floor_2": park.contact, "employee_floor_2": park.employee, "contact_floor_1": park.other_contact,
        "secretary_building_b": park.secretary_b, "nobody": park.nobody,
        "other_district_staff": outsiders["district_staff"], "other_district_contact": outsiders["contact"],
        "other_district_leader": outsiders["leader"],
    }


OUTSIDERS_DENIED = {"nobody": 403, "other_district_staff": 403, "other_district_contact": 403,
                    "other_district_leader": 403}
ENTERPRISES_DENIED = {"contact_floor_2": 403, "employee_floor_2": 403, "contact_floor_1": 403}
STAFF_OF_A = {"secretary": 200, "member": 200, "district_staff": 200}

CASES = {
    # a floor leader reads their floors' notices once published, never the committee's drafts
    "draft of building A, for floor 2": (
        lambda park: park.notice(publish=False, floors=[park.f("NA", 2)]),
        {**STAFF_OF_A, "leader_floor_1": 403, "leader_floor_2": 403, **ENTERPRISES_DENIED,
         "secretary_building_b": 403},
    ),
    "building A's notice for floor 2": (
        lambda park: park.notice(floors=[park.f("NA", 2)]),
        {**STAFF_OF_A, "leader_floor_1": 403, "leader_floor_2": 200, **ENTERPRISES_DENIED,
         "contact_floor_2": 200, "employee_floor_2": 200, "secretary_building_b": 403},
    ),
    # the district's building staff see its published notices; floor leaders only where delivered
    "district notice for building B": (
        lambda park: park.notice(park.district, buildings=[park.b]),
        {**STAFF_OF_A, "leader_floor_1": 403, "leader_floor_2": 403, **ENTERPRISES_DENIED,
         "secretary_building_b": 200},
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_who_gets_the_attachment(client, park, outsiders, case):
    make_notice, expected = CASES[case]
    attachment = attach(park, make_notice(park))
    got = who_gets(client, url(attachment), everyone(park, outsiders), starts_with=pdf_bytes())
    assert got.pop("anonymous") == 302  # to the login page, no file
    assert got == {**expected, **OUTSIDERS_DENIED}


def test_a_policy_is_public_to_its_districts_enterprises_only(client, park, outsiders):
    policy = services.create_draft(actor=SYSTEM, scope=park.district, title="租金补贴政策", body="……",
                                   kind="policy", audience={"buildings": [park.b]})
    policy = services.publish(actor=SYSTEM, notice=policy)
    attachment = attach(park, policy)
    got = who_gets(client, url(attachment), everyone(park, outsiders), starts_with=pdf_bytes())
    assert got["contact_floor_2"] == got["contact_floor_1"] == 200  # not delivered, but in the district
    assert got["other_district_contact"] == got["other_district_staff"] == 403
    assert got["leader_floor_1"] == 403 and got["anonymous"] == 302


def test_stored_under_a_random_name_and_downloaded_under_its_own(client, park):
    notice = park.notice(floors=[park.f("NA", 2)])
    first, second = attach(park, notice), attach(park, notice)
    for attachment in (first, second):
        assert NAME.match(attachment.file.name), attachment.file.name
        assert str(notice.pk) not in attachment.file.name.split("/")[:2] and "消防" not in attachment.file.name
    assert first.file.name != second.file.name
    client.force_login(park.contact)
    response = client.get(reverse("notices:attachment", args=[first.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''" + quote("第6层 消防通知.pdf")
    assert response["Cache-Control"] == "private, no-store"
    assert first.file.name.rsplit("/", 1)[-1] not in str(response.headers)


def test_behind_nginx_the_file_is_handed_over_by_x_accel_redirect(client, park, settings):
    settings.LOUWEI_X_ACCEL_REDIRECT = "/protected-media/"
    notice = park.notice(floors=[park.f("NA", 2)])
    attachment = attach(park, notice)
    client.force_login(park.contact)
    response = client.get(reverse("notices:attachment", args=[attachment.pk]))
    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == f"/protected-media/{attachment.file.name}"
    assert response["Content-Disposition"].startswith("attachment;")
    client.force_login(park.other_contact)
    denied = client.get(reverse("notices:attachment", args=[attachment.pk]))
    assert denied.status_code == 403 and "X-Accel-Redirect" not in denied


def test_a_missing_file_answers_404(client, park):
    notice = park.notice(floors=[park.f("NA", 2)])
    attachment = attach(park, notice)
    attachment.file.storage.delete(attachment.file.name)
    client.force_login(park.contact)
    assert client.get(reverse("notices:attachment", args=[attachment.pk])).status_code == 404
    assert client.get(reverse("notices:attachment", args=[attachment.pk + 999])).status_code == 404


def test_the_data_migration_moves_old_files_to_random_names(park, django_capture_on_commit_callbacks):
    notice = park.notice(floors=[park.f("NA", 2)])
    old, missing, new = attach(park, notice), attach(park, notice), attach(park, notice)
    old_name = put_in_old_layout(old, "file", f"notices/{notice.pk}/第6层 消防通知.pdf", pdf_bytes())
    Attachment.objects.filter(pk=missing.pk).update(file=f"notices/{notice.pk}/已删除.docx")
    new_name = new.file.name
    storage = old.file.storage
    with django_capture_on_commit_callbacks(execute=True):
        run_data_migration("notices", "0002_private_file_names")
    old.refresh_from_db(), missing.refresh_from_db(), new.refresh_from_db()
    assert is_private_name("notices", old.file.name) and NAME.match(old.file.name)
    assert storage.open(old.file.name).read() == pdf_bytes()
    assert not storage.exists(old_name)
    assert missing.file.name == f"notices/{notice.pk}/已删除.docx"  # left alone, no error
    assert new.file.name == new_name and storage.exists(new_name)
    moved = old.file.name
    with django_capture_on_commit_callbacks(execute=True):
        run_data_migration("notices", "0002_private_file_names")  # again: nothing moves
    old.refresh_from_db()
    assert old.file.name == moved and storage.exists(moved)


def test_a_failed_migration_loses_no_file(park, django_capture_on_commit_callbacks):
    notice = park.notice(floors=[park.f("NA", 2)])
    old = attach(park, notice)
    old_name = put_in_old_layout(old, "file", f"notices/{notice.pk}/通知.pdf", pdf_bytes())
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            run_data_migration("notices", "0002_private_file_names")
            raise RuntimeError("a later step of the migration failed")
    assert Attachment.objects.get(pk=old.pk).file.name == old_name
    assert old.file.storage.open(old_name).read() == pdf_bytes()
