"""No stored file has a public address: whatever its kind, ``/media/<its name>`` answers 404 in
every mode (debug or not, streamed or handed to nginx), and so does nginx's internal prefix when a
request reaches the application directly. Each file is reached only through its checked view."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from louwei.access import SYSTEM
from louwei.cases import services as cases
from louwei.committee import services as committee
from louwei.notices import services as notices
from louwei.testing.factories import BuildingFactory, FloorFactory, FloorLeaderFactory, UserFactory, category

pytestmark = pytest.mark.django_db


def jpeg() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (60, 80), "grey").save(out, "JPEG")
    return SimpleUploadedFile("照片.jpg", out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def stored_names():
    building = BuildingFactory()
    floor = FloorFactory(building=building, number=6)
    leader = FloorLeaderFactory(floor=floor)
    leader = committee.update_floor_leader(actor=SYSTEM, leader=leader, photo=jpeg())
    notice = notices.create_draft(actor=SYSTEM, scope=building, title="第6层通知")
    attachment = notices.add_attachment(
        actor=SYSTEM, notice=notice, upload=SimpleUploadedFile("通知.pdf", b"%PDF-1.4\n%%EOF\n")
    )
    case = cases.raise_case(actor=UserFactory(), floor=floor, category=category("repairs"), channel="app",
                            description="六楼走廊的灯坏了。", photos=[jpeg()]).case
    names = [leader.photo.name, attachment.file.name, case.photos.get().image.name]
    assert all(names)
    return names


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("x_accel", ["", "/protected-media/"])
def test_no_stored_file_answers_at_a_public_address(client, settings, stored_names, debug, x_accel):
    settings.DEBUG = debug
    settings.LOUWEI_X_ACCEL_REDIRECT = x_accel
    for name in stored_names:
        for path in (f"/media/{name}", f"/protected-media/{name}", f"/{name}"):
            response = client.get(path)
            assert response.status_code == 404, path
            assert "X-Accel-Redirect" not in response
