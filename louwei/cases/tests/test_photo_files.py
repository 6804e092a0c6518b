"""A case's photos are private files: random names, only through the views that check who may see
the case (or hold its private link), handed to nginx with X-Accel-Redirect when configured."""

import re

import pytest
from django.urls import reverse

from louwei.cases.models import CasePhoto
from louwei.core.files import is_private_name
from louwei.testing.files import put_in_old_layout, run_data_migration, who_gets

from .services_world import png, raise_by, raise_visitor, world  # noqa: F401

pytestmark = pytest.mark.django_db

NAME = re.compile(r"^cases/\d{4}/\d{2}/[0-9a-f]{32}\.jpg$")
JPEG = b"\xff\xd8"  # the stored, re-encoded photo


def people(w):
    return {
        "anonymous": None, "submitter": w.employee, "contact": w.contact, "leader": w.leader,
        "secretary": w.secretary, "district": w.district, "handler_staff": w.handler_staff,
        "other_leader": w.other_leader, "other_employee": w.other_employee, "outsider": w.outsider,
        "other_secretary": w.other_secretary, "other_district": w.other_district,
    }


def test_who_gets_a_cases_photo(client, world):
    case = raise_by(world, photos=[png()])
    public = CasePhoto.objects.get(case=case)
    internal = CasePhoto.objects.create(case=case, image=public.image.name, is_public=False)
    denied = {"other_leader": 404, "other_employee": 404, "outsider": 404, "other_secretary": 404,
              "other_district": 404}
    got = who_gets(client, reverse("cases:photo", args=[public.pk]), people(world), starts_with=JPEG)
    assert got.pop("anonymous") == 302
    assert got == {"submitter": 200, "contact": 200, "leader": 200, "secretary": 200, "district": 200,
                   "handler_staff": 404, **denied}  # a handler sees a case once dispatched to it
    got = who_gets(client, reverse("cases:photo", args=[internal.pk]), people(world), starts_with=JPEG)
    assert got.pop("anonymous") == 302
    assert got == {"submitter": 404, "contact": 404, "leader": 200, "secretary": 200, "district": 200,
                   "handler_staff": 404, **denied}


def test_photos_are_stored_under_random_names(world):
    case = raise_by(world, photos=[png(name="王先生家.png"), png(name="王先生家.png")])
    names = [p.image.name for p in CasePhoto.objects.filter(case=case)]
    assert len(set(names)) == 2
    for name in names:
        assert NAME.match(name), name
        assert case.number not in name and "王" not in name


def test_behind_nginx_both_photo_views_hand_over_with_x_accel_redirect(client, world, settings):
    settings.LOUWEI_X_ACCEL_REDIRECT = "/protected-media/"
    raised = raise_visitor(world, photos=[png()])
    photo = CasePhoto.objects.get(case=raised.case)
    client.force_login(world.secretary)
    staff = client.get(reverse("cases:photo", args=[photo.pk]))
    assert staff.status_code == 200 and staff.content == b""
    assert staff["X-Accel-Redirect"] == f"/protected-media/{photo.image.name}"
    assert staff["Content-Type"] == "image/jpeg" and staff["Cache-Control"] == "private, max-age=3600"
    client.logout()
    link = client.get(reverse("cases:track_photo", args=[raised.case.number, raised.token, photo.pk]))
    assert link["X-Accel-Redirect"] == f"/protected-media/{photo.image.name}"
    assert "no-store" in link["Cache-Control"] and link["Referrer-Policy"] == "strict-origin"
    wrong = client.get(reverse("cases:track_photo", args=[raised.case.number, "wrong", photo.pk]))
    assert wrong.status_code == 404 and "X-Accel-Redirect" not in wrong
    client.force_login(world.other_secretary)
    assert "X-Accel-Redirect" not in client.get(reverse("cases:photo", args=[photo.pk]))


def test_a_missing_photo_file_answers_404(client, world):
    case = raise_by(world, photos=[png()])
    photo = CasePhoto.objects.get(case=case)
    photo.image.storage.delete(photo.image.name)
    client.force_login(world.secretary)
    assert client.get(reverse("cases:photo", args=[photo.pk])).status_code == 404


def test_the_data_migration_moves_only_names_that_are_not_private(world, django_capture_on_commit_callbacks):
    case = raise_by(world, photos=[png(), png()])
    current, odd = CasePhoto.objects.filter(case=case)
    kept = current.image.name
    jpeg = odd.image.read()
    old = put_in_old_layout(odd, "image", f"cases/{case.number}.jpg", jpeg)
    with django_capture_on_commit_callbacks(execute=True):
        run_data_migration("cases", "0003_private_file_names")
    current.refresh_from_db(), odd.refresh_from_db()
    assert current.image.name == kept  # cases/YYYY/MM/<uuid hex>.jpg was random already
    assert is_private_name("cases", odd.image.name) and odd.image.read() == jpeg
    assert not odd.image.storage.exists(old)


def test_a_photo_saved_outside_the_services_gets_a_private_name_too(world):
    photo = CasePhoto(case=raise_by(world))
    photo.image.save("王先生家.png", png(), save=True)
    assert is_private_name("cases", photo.image.name) and photo.image.name.endswith(".png")
