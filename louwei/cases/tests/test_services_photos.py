"""Photos on cases: checked by content, re-encoded as upright JPEG without metadata, limited in size
and number, and deleted again when the change they came with fails."""

import io
import os

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from louwei.cases import photos, services
from louwei.cases.models import Case, CasePhoto, Status

from .services_world import png, raise_by, to_status, world  # noqa: F401

pytestmark = pytest.mark.django_db


def stored_files(settings):
    root = settings.MEDIA_ROOT
    found = []
    for folder, _dirs, files in os.walk(root):
        found += [os.path.join(folder, f) for f in files]
    return found


@pytest.mark.parametrize("fmt, mode", [("PNG", "RGB"), ("JPEG", "RGB"), ("WEBP", "RGB"), ("PNG", "RGBA"),
                                       ("PNG", "P"), ("JPEG", "L")])
def test_accepted_formats_become_jpeg(world, fmt, mode):
    case = raise_by(world, photos=[png(mode=mode, fmt=fmt, name="a.bin",
                                       color=(10, 20, 30) if mode in ("RGB", "RGBA") else 10)])
    photo = case.photos.get()
    assert photo.event is None and photo.is_public
    with Image.open(photo.image.path) as image:
        assert image.format == "JPEG" and image.mode == "RGB"
    assert photo.image.name.endswith(".jpg")


def test_content_not_name_decides(world):
    fake = SimpleUploadedFile("photo.jpg", b"GIF89a not really a jpeg", content_type="image/jpeg")
    with pytest.raises(ValidationError) as error:
        raise_by(world, photos=[fake])
    assert "photos" in error.value.message_dict
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, format="GIF")
    with pytest.raises(ValidationError):
        raise_by(world, photos=[SimpleUploadedFile("photo.png", gif.getvalue(), content_type="image/png")])
    with pytest.raises(ValidationError):
        raise_by(world, photos=[SimpleUploadedFile("empty.png", b"", content_type="image/png")])
    assert not Case.objects.exists()


def test_large_photos_are_shrunk_to_2000_px(world):
    case = raise_by(world, photos=[png(size=(4000, 1000))])
    with Image.open(case.photos.get().image.path) as image:
        assert image.size == (2000, 500)


def test_exif_orientation_is_applied_and_metadata_stripped(world):
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise when shown
    exif[0x8825] = {1: "N", 2: (31.0, 14.0, 0.0)}  # GPS
    exif[0x010F] = "Camera maker"
    upload = png(size=(40, 20), fmt="JPEG", exif=exif.tobytes(), name="p.jpg")
    case = raise_by(world, photos=[upload])
    with Image.open(case.photos.get().image.path) as image:
        assert image.size == (20, 40)  # turned upright
        assert not image.getexif()
        assert "exif" not in image.info


def test_size_limit(world, monkeypatch):
    noisy = io.BytesIO()
    Image.frombytes("RGB", (100, 100), os.urandom(30000)).save(noisy, format="PNG")
    monkeypatch.setattr(photos, "MAX_BYTES", 20000)
    with pytest.raises(ValidationError) as error:
        raise_by(world, photos=[SimpleUploadedFile("n.png", noisy.getvalue())])
    assert "photos" in error.value.message_dict
    assert "MB" in error.value.message_dict["photos"][0]
    assert raise_by(world, photos=[png()]).photos.count() == 1  # a small one passes
    big = png(size=(400, 400))
    big.size = 10 * 1024 * 1024 + 1
    monkeypatch.setattr(photos, "MAX_BYTES", 10 * 1024 * 1024)
    with pytest.raises(ValidationError):
        raise_by(world, photos=[big])


def test_at_most_six_per_action(world, settings):
    with pytest.raises(ValidationError) as error:
        raise_by(world, photos=[png() for _ in range(7)])
    assert "photos" in error.value.message_dict
    assert stored_files(settings) == []
    case = raise_by(world, photos=[png() for _ in range(6)])
    assert case.photos.count() == 6


def test_reply_photos_belong_to_the_event(world):
    case = to_status(world, Status.DISPATCHED)
    case = services.reply(actor=world.handler_staff, case=case, text="已更换灯管", photos=[png(), png()])
    event = case.events.get(kind="replied")
    assert set(event.photos.all()) == set(case.photos.all()) and event.photos.count() == 2
    answered = services.answer(actor=world.leader, case=raise_by(world), text="已处理", photos=[png()])
    assert answered.events.get(kind="answered").photos.count() == 1


def test_files_of_a_failed_change_are_deleted(world, settings, monkeypatch):
    from louwei.cases import figures

    def broken(before, case):
        raise RuntimeError("the figures broke")

    monkeypatch.setattr(figures, "record_change", broken)
    with pytest.raises(RuntimeError):
        raise_by(world, photos=[png(), png()])
    assert stored_files(settings) == []
    assert not CasePhoto.objects.exists()
    monkeypatch.undo()
    case = to_status(world, Status.DISPATCHED)
    monkeypatch.setattr(figures, "record_change", broken)
    with pytest.raises(RuntimeError):
        services.reply(actor=world.handler_staff, case=case, text="已处理", photos=[png()])
    assert stored_files(settings) == []
