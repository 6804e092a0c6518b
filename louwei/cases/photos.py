"""Photos on cases: checked, re-encoded and stored with the change they belong to.

* Only JPEG, PNG and WebP are accepted, as Pillow reads the content (the file name and the
  browser's content type are not trusted); at most :data:`MAX_BYTES` (10 MB) each and
  :data:`MAX_PER_ACTION` (6) per action.
* Each is re-encoded as a JPEG of at most :data:`MAX_SIDE` (2000 px) a side, turned upright by its
  EXIF orientation, with every metadata (GPS included) dropped.
* The files are written inside the service's transaction; a service that fails deletes them
  again (``louwei.core.uploads.removes_files_on_failure``, which the case services wear).

The checks themselves are ``louwei.core.uploads.prepare_photo``, shared with the leaders' portraits.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.http import HttpResponse
from django.utils.translation import ngettext

from louwei.core import files
from louwei.core.uploads import prepare_photo, store_file

from .models import CasePhoto

MAX_BYTES = 10 * 1024 * 1024
MAX_PER_ACTION = 6
MAX_SIDE = 2000


def prepare(photo, *, max_side: int | None = None, max_bytes: int | None = None) -> ContentFile:
    """Check one uploaded photo; return it as an upright JPEG of at most ``max_side`` px, metadata stripped."""
    return prepare_photo(photo, max_side=max_side or MAX_SIDE, max_bytes=max_bytes or MAX_BYTES)


def prepare_all(photos) -> list[ContentFile]:
    """Check every photo of one action (before anything is written); a ``ValidationError`` keyed
    ``photos`` otherwise."""
    photos = [p for p in (photos or ()) if p]
    if len(photos) > MAX_PER_ACTION:
        raise ValidationError({"photos": ngettext(
            "Attach at most %(count)d photo.", "Attach at most %(count)d photos.", MAX_PER_ACTION
        ) % {"count": MAX_PER_ACTION}})
    prepared = []
    for photo in photos:
        try:
            prepared.append(prepare(photo))
        except ValidationError as error:
            raise ValidationError({"photos": error.messages}) from None
    return prepared


def attach(case, files: list[ContentFile], *, event=None, is_public: bool = True) -> list[CasePhoto]:
    """Store prepared ``files`` on ``case`` (and ``event``). Call inside a service that wears
    ``_removes_files_on_failure``, so the files go again if the change fails."""
    stored = []
    for content in files:
        photo = CasePhoto(case=case, event=event, is_public=is_public)
        store_file(photo.image, content)
        photo.save()
        stored.append(photo)
    return stored


def response(photo: CasePhoto, *, max_age: int = 0) -> HttpResponse:
    """The stored JPEG of ``photo`` (``louwei.core.files.serve``), for a view that has checked who may
    see it; 404 when the file is gone."""
    return files.serve(photo.image, content_type="image/jpeg", max_age=max_age)
