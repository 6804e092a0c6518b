"""Private files: random names, and the one response that serves them (streamed or X-Accel-Redirect)."""

import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models.fields.files import FieldFile, FileField
from django.http import Http404

from louwei.core.files import PrivateUploadTo, is_private_name, private_name, serve, version

NAME = re.compile(r"^notices/\d{4}/\d{2}/[0-9a-f]{32}(\.[a-z0-9]+)?$")


def _stored(content: bytes = b"%PDF-1.4 data", name: str = "x.pdf") -> FieldFile:
    field = FileField(upload_to=PrivateUploadTo("notices"))
    field.storage = default_storage
    stored = default_storage.save(private_name("notices", name), ContentFile(content))
    return FieldFile(None, field, stored)


def test_private_names_are_random_and_keep_only_a_plain_extension():
    first, second = private_name("notices", "通知 第6层.PDF"), private_name("notices", "通知 第6层.PDF")
    assert first != second
    assert NAME.match(first) and first.endswith(".pdf")
    assert "通知" not in first
    for hostile in ("../../etc/passwd", "a.p\x00df", "x." + "a" * 40, "noext", ""):
        assert NAME.match(private_name("notices", hostile)), hostile
    assert not private_name("notices", "evil.ph p").endswith("p")


def test_upload_to_is_deconstructible_and_compares_by_folder():
    assert PrivateUploadTo("a") == PrivateUploadTo("a") != PrivateUploadTo("b")
    path, args, kwargs = PrivateUploadTo("a").deconstruct()
    assert path == "louwei.core.files.PrivateUploadTo" and args == ("a",)
    assert NAME.match(PrivateUploadTo("notices")(None, "a.docx"))


@pytest.mark.django_db
def test_serve_streams_the_file_with_the_given_name_privately(settings):
    settings.LOUWEI_X_ACCEL_REDIRECT = ""
    response = serve(_stored(b"hello"), filename="第6层 通知.pdf", content_type="application/pdf", as_attachment=True)
    assert b"".join(response.streaming_content) == b"hello"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_serve_hands_the_file_to_nginx_when_configured(settings):
    settings.LOUWEI_X_ACCEL_REDIRECT = "/protected-media/"
    stored = _stored(b"hello")
    response = serve(stored, filename="a.pdf", max_age=300)
    assert response["X-Accel-Redirect"] == f"/protected-media/{stored.name}"
    assert response.content == b""
    assert response["Cache-Control"] == "private, max-age=300"
    assert response["Content-Disposition"].startswith("inline;")


@pytest.mark.django_db
def test_serve_answers_404_for_a_missing_file():
    stored = _stored()
    default_storage.delete(stored.name)
    with pytest.raises(Http404):
        serve(stored)
    with pytest.raises(Http404):
        serve(FieldFile(None, FileField(), ""))


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", ["", "/protected-media/"])
def test_serve_never_tells_the_stored_name_and_answers_alike_both_ways(settings, prefix):
    settings.LOUWEI_X_ACCEL_REDIRECT = prefix
    stored = _stored(b"\xff\xd8\xff", "portrait.jpg")
    response = serve(stored)
    assert response["Content-Disposition"] == "inline"
    assert response["Content-Type"] == "image/jpeg"  # from the kept extension when none is given
    visible = {k: v for k, v in response.headers.items() if k != "X-Accel-Redirect"}
    assert stored.name.rsplit("/", 1)[-1] not in str(visible)


def test_private_names_are_recognised():
    assert is_private_name("notices", private_name("notices", "a.pdf"))
    assert is_private_name("floor-leaders", private_name("floor-leaders", ""))
    for old in ("notices/12/通知.pdf", "notices/2026/12/abc.pdf", "floor-leaders/3-20261201101010.jpg",
                "cases/" + private_name("notices", "a.pdf"), private_name("cases", "a.jpg"), ""):
        assert not is_private_name("notices", old), old
    assert not is_private_name("notices", "notices/2026/12/" + "a" * 32 + ".pdf/../x")


def test_version_changes_with_the_file_and_hides_its_name():
    first = FieldFile(None, FileField(), "floor-leaders/2026/12/" + "a" * 32 + ".jpg")
    second = FieldFile(None, FileField(), "floor-leaders/2026/12/" + "b" * 32 + ".jpg")
    assert version(first) != version(second) and re.fullmatch(r"[0-9a-f]{12}", version(first))
    assert version(first) == version(FieldFile(None, FileField(), first.name))
    assert "a" * 12 not in version(first)
