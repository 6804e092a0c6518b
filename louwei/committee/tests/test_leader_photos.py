"""A floor leader's portrait is a private file made public while they serve: it hangs on the floor
page and the poster. Its address changes with the photo so browsers may keep it; once the leader
has stepped down only those who manage the committee get it."""

import datetime
import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from louwei.access import SYSTEM
from louwei.committee import posters, services
from louwei.committee.models import FloorLeader
from louwei.core.files import is_private_name
from louwei.testing.files import put_in_old_layout, run_data_migration, who_gets

from .conftest import image_bytes, upload

pytestmark = pytest.mark.django_db

NAME = re.compile(r"^floor-leaders/\d{4}/\d{2}/[0-9a-f]{32}\.jpg$")
JPEG = b"\xff\xd8"


def with_photo(tower, number=2) -> FloorLeader:
    leader = services.update_floor_leader(actor=SYSTEM, leader=tower.leaders[number], photo=upload(image_bytes()))
    leader.refresh_from_db()
    return leader


def everyone(people):
    return {"anonymous": None, **people}


def test_a_serving_leaders_photo_is_public_and_may_be_kept(client, tower, people):
    leader = with_photo(tower)
    page = client.get(reverse("committee:floor_page", args=[tower.floor(2).code])).content.decode()
    assert f'src="{leader.photo_url}"' in page and "/media/" not in page
    got = who_gets(client, leader.photo_url, everyone(people), starts_with=JPEG)
    assert set(got.values()) == {200}, got
    client.logout()
    response = client.get(leader.photo_url)
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, max-age=604800"
    assert leader.photo.name.rsplit("/", 1)[-1] not in str(response.headers)


def test_the_address_changes_with_the_photo_and_an_old_one_answers_404(client, tower):
    leader = with_photo(tower)
    first = leader.photo_url
    leader = with_photo(tower)
    assert leader.photo_url != first
    assert client.get(first).status_code == 404
    assert client.get(leader.photo_url).status_code == 200
    services.update_floor_leader(actor=SYSTEM, leader=leader, photo=None)
    assert client.get(leader.photo_url).status_code == 404
    leader.refresh_from_db()
    assert leader.photo_url == ""
    assert client.get(reverse("committee:leader_photo", args=[leader.pk + 999, "0" * 12])).status_code == 404


def test_a_former_leaders_photo_is_only_for_those_who_manage_the_committee(client, tower, people):
    leader = with_photo(tower)
    url = leader.photo_url
    services.end_floor_leader(actor=SYSTEM, leader=leader, ended_on=datetime.date.today())
    got = who_gets(client, url, everyone(people), starts_with=JPEG)
    assert got == {
        "anonymous": 404, "district": 200, "secretary": 200, "member": 404, "property": 404, "contact": 404,
        "employee": 404, "other_secretary": 404, "nobody": 404,
        "leader": 404,  # the former leader, who manages nothing
    }


def test_the_photo_is_stored_under_a_random_name(tower):
    leader = with_photo(tower)
    assert NAME.match(leader.photo.name), leader.photo.name
    assert f"/{leader.floor_id}-" not in leader.photo.name


def test_behind_nginx_the_photo_is_handed_over_and_the_poster_still_embeds_it(client, tower, settings):
    settings.LOUWEI_X_ACCEL_REDIRECT = "/protected-media/"
    leader = with_photo(tower, 1)
    response = client.get(leader.photo_url)
    assert response["X-Accel-Redirect"] == f"/protected-media/{leader.photo.name}"
    assert response["Cache-Control"] == "private, max-age=604800"
    reader = PdfReader(io.BytesIO(posters.floor_poster(tower.floor(1))))
    assert list(reader.pages[0].images), "the photo is read from storage, not fetched by address"


def test_the_staff_pages_link_the_photo_view(client, tower, people):
    leader = with_photo(tower)
    client.force_login(people["secretary"])
    manage = client.get(reverse("committee:manage", args=[tower.building.code])).content.decode()
    edit = client.get(reverse("committee:edit_leader", args=[leader.pk])).content.decode()
    assert leader.photo_url in manage and leader.photo_url in edit
    assert "/media/" not in manage + edit


def test_the_data_migration_moves_old_portraits(tower, django_capture_on_commit_callbacks):
    leader = with_photo(tower)
    data = leader.photo.read()
    old = put_in_old_layout(leader, "photo", f"floor-leaders/{leader.floor_id}-20240101093000.jpg", data)
    with django_capture_on_commit_callbacks(execute=True):
        run_data_migration("committee", "0002_private_file_names")
    leader.refresh_from_db()
    assert is_private_name("floor-leaders", leader.photo.name) and leader.photo.read() == data
    assert not leader.photo.storage.exists(old)
