"""Uploaded files: photos checked and re-encoded, and files deleted again when their change fails.

**Photos.** :func:`prepare_photo` accepts only JPEG, PNG and WebP, as Pillow reads the content (the
file name and the browser's content type are not trusted), up to a size in bytes and pixels, and
returns an upright JPEG (EXIF orientation applied) of at most ``max_side`` px with every metadata,
GPS included, dropped.

**Files and rollbacks.** A file is written to the storage before the transaction that refers to it
commits (the row needs the file's name). When the service then fails (refused after the write, or
the commit itself fails), the rows roll back and nothing refers to the file any more: a service
wearing :func:`removes_files_on_failure` deletes what it wrote through :func:`store_file`. Django has
no "on rollback" hook, so a rollback of a caller's own enclosing transaction after a service
returned cannot be seen here; the views call one service each, outside any transaction of their own.
"""

from __future__ import annotations

import functools
import io
import logging
from contextvars import ContextVar

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

PHOTO_FORMATS = {"JPEG", "PNG", "WEBP"}
PHOTO_MAX_PIXELS = 60_000_000  # refuse decompression bombs long before Pillow's own limit

logger = logging.getLogger(__name__)


def photo_too_large(limit: int) -> ValidationError:
    return ValidationError(
        _("The photo is larger than %(mb)s MB.") % {"mb": f"{limit / 1024 / 1024:g}"}, code="photo_size"
    )


def prepare_photo(photo, *, max_side: int, max_bytes: int) -> ContentFile:
    """Check one uploaded photo; return it as an upright JPEG of at most ``max_side`` px, metadata stripped."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    size = getattr(photo, "size", None)
    if size is not None and size > max_bytes:
        raise photo_too_large(max_bytes)
    if hasattr(photo, "seek"):
        photo.seek(0)
    data = photo.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise photo_too_large(max_bytes)
    if not data:
        raise ValidationError(_("The photo file is empty."), code="photo_empty")
    not_an_image = ValidationError(_("The photo must be a JPEG, PNG or WebP image."), code="photo_format")
    too_many_pixels = ValidationError(_("The photo has too many pixels."), code="photo_pixels")
    try:
        # Opening reads the header only: the size is known before any pixel is decoded.
        with Image.open(io.BytesIO(data), formats=sorted(PHOTO_FORMATS)) as probe:
            if probe.format not in PHOTO_FORMATS:
                raise not_an_image
            if probe.width * probe.height > PHOTO_MAX_PIXELS:
                raise too_many_pixels
            probe.verify()
        with Image.open(io.BytesIO(data), formats=sorted(PHOTO_FORMATS)) as image:
            image.load()
            image = ImageOps.exif_transpose(image)
            if image.mode in ("RGBA", "LA", "P", "PA"):
                image = image.convert("RGBA")
                background = Image.new("RGB", image.size, (255, 255, 255))
                background.paste(image, mask=image.getchannel("A"))
                image = background
            elif image.mode != "RGB":
                image = image.convert("RGB")
            image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
            out = io.BytesIO()
            image.save(out, format="JPEG", quality=85, optimize=True)  # no exif=: nothing carried over
    except ValidationError:
        raise
    except Image.DecompressionBombError:
        # Pillow's own limit (``Image.MAX_IMAGE_PIXELS``, whatever it is set to) refuses at open, before
        # ours can look: the photo is over a pixel limit of this server, so it has too many pixels.
        raise too_many_pixels from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise not_an_image from None
    return ContentFile(out.getvalue(), name="photo.jpg")


_written_files: ContextVar[list | None] = ContextVar("louwei_written_files", default=None)


def removes_files_on_failure(service):
    """Delete the files ``service`` stored when it raises. Put it above ``@transaction.atomic`` so a failed
    commit counts as a failure. A service called by another hands its files to the caller on success."""

    @functools.wraps(service)
    def wrapper(*args, **kwargs):
        parent = _written_files.get()
        mine: list = []
        token = _written_files.set(mine)
        try:
            result = service(*args, **kwargs)
        except BaseException:
            delete_files(mine)
            raise
        finally:
            _written_files.reset(token)
        if parent is not None:
            parent.extend(mine)
        return result

    return wrapper


def store_file(field_file, content) -> None:
    """Write ``content`` into the (unsaved) file field and note it for deletion if the service fails."""
    field_file.save(content.name, content, save=False)
    written = _written_files.get()
    if written is not None:
        written.append((field_file.storage, field_file.name))


def delete_files(files) -> None:
    for storage, name in files:
        try:
            storage.delete(name)
        except OSError:  # never hide the service's own error behind a clean-up problem
            logger.warning("could not delete %s after a failed change", name, exc_info=True)
