"""Photos over the pixel limit are refused as such ("too many pixels"), whatever Pillow's own
decompression-bomb limit (``Image.MAX_IMAGE_PIXELS``) is, and without decoding the pixels."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from PIL import Image

from louwei.core.uploads import PHOTO_MAX_PIXELS, prepare_photo
from louwei.testing.images import huge_jpeg, huge_png

PILLOWS_OWN = Image.MAX_IMAGE_PIXELS


@pytest.mark.parametrize("pillow_limit", [PILLOWS_OWN, None, 1000, PHOTO_MAX_PIXELS // 2, PHOTO_MAX_PIXELS * 10],
                         ids=["pillow-default", "pillow-off", "pillow-tiny", "pillow-below-ours", "pillow-above"])
@pytest.mark.parametrize("make, size", [
    (huge_png, (20000, 20000)),
    (huge_png, (8000, 8000)),  # 64 million: over our 60, under Pillow's default
    (huge_jpeg, (20000, 20000)),
    (huge_jpeg, (65000, 65000)),
])
def test_a_photo_over_the_pixel_limit_is_refused_as_too_many_pixels(monkeypatch, pillow_limit, make, size):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", pillow_limit)
    photo = make(*size)
    assert len(photo) < 2000, "the test file is a header, not the pixels"
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        prepare_photo(photo, max_side=1200, max_bytes=5 * 1024 * 1024)
    assert refused.value.messages == ["The photo has too many pixels."]
    assert refused.value.error_list[0].code == "photo_pixels"
    assert Image.MAX_IMAGE_PIXELS == pillow_limit, "Pillow's setting is left as it was"


def test_a_photo_under_the_limit_still_goes_through(monkeypatch):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile

    out = io.BytesIO()
    Image.new("RGB", (3000, 2000), (10, 120, 200)).save(out, format="PNG")
    photo = SimpleUploadedFile("ok.png", out.getvalue(), content_type="image/png")
    result = prepare_photo(photo, max_side=1200, max_bytes=5 * 1024 * 1024)
    with Image.open(result) as image:
        assert image.format == "JPEG" and image.size == (1200, 800)


def test_something_that_is_no_image_is_still_refused_as_such():
    from django.core.files.uploadedfile import SimpleUploadedFile

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        prepare_photo(SimpleUploadedFile("x.png", b"\x89PNG\r\n\x1a\nnot really"), max_side=1200, max_bytes=1000)
    assert refused.value.messages == ["The photo must be a JPEG, PNG or WebP image."]
