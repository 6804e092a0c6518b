"""Private files: stored under names nobody can guess, served only by a view that asked access first.

Nothing under ``MEDIA_ROOT`` is public. Every stored file (a notice's attachment, a case's photo, a
floor leader's portrait, a generated export or poster) gets a random name from :func:`private_name`
(through :class:`PrivateUploadTo` on a model field), and reaches a browser only through a view that
asked ``louwei.access`` and then returned :func:`serve`.

:func:`serve` streams the file from Django, or, behind nginx, answers with an empty response that
carries ``X-Accel-Redirect``: nginx then sends the file itself from an ``internal`` location, so a
large file costs the application nothing. ``LOUWEI_X_ACCEL_REDIRECT`` names that location's prefix
(e.g. ``/protected-media/``; empty: Django streams). The nginx site in the README maps it onto
``MEDIA_ROOT``; without it, ``/protected-media/`` answers 404 to every outside request.
"""

from __future__ import annotations

import re
import secrets
from pathlib import PurePosixPath
from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.http import content_disposition_header

_SAFE_SUFFIX = re.compile(r"^\.[a-z0-9]{1,8}$")


def private_name(folder: str, filename: str = "") -> str:
    """``folder/YYYY/MM/<32 random hex><.ext>``: the extension of ``filename`` kept when it is plain
    (so the file's type stays recognisable on disk), everything else about the name dropped."""
    suffix = PurePosixPath(str(filename or "")).suffix.lower()
    if not _SAFE_SUFFIX.match(suffix):
        suffix = ""
    return f"{folder.strip('/')}/{timezone.now():%Y/%m}/{secrets.token_hex(16)}{suffix}"


@deconstructible
class PrivateUploadTo:
    """``upload_to`` of a private file field: a random name under ``folder`` (see :func:`private_name`)."""

    def __init__(self, folder: str):
        self.folder = folder

    def __call__(self, instance, filename: str) -> str:
        return private_name(self.folder, filename)

    def __eq__(self, other) -> bool:
        return isinstance(other, PrivateUploadTo) and other.folder == self.folder

    def __hash__(self) -> int:
        return hash(self.folder)


def serve(
    field_file,
    *,
    filename: str | None = None,
    content_type: str | None = None,
    as_attachment: bool = False,
    max_age: int = 0,
) -> HttpResponse:
    """The stored file of ``field_file`` as a response, for a view that has checked who may see it.

    ``filename`` is the name the browser saves it under (the stored name is random); ``max_age``
    lets the browser (never a shared cache) keep it that many seconds. 404 when the file is gone.
    """
    if not field_file or not field_file.name:
        raise Http404("no file")
    storage, name = field_file.storage, field_file.name
    if not storage.exists(name):
        raise Http404("file missing")
    content_type = content_type or "application/octet-stream"
    prefix = getattr(settings, "LOUWEI_X_ACCEL_REDIRECT", "")
    if prefix:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = f"/{prefix.strip('/')}/{quote(name)}"
    else:
        try:
            handle = storage.open(name, "rb")
        except OSError as missing:  # FileNotFoundError included (deleted between the two calls)
            raise Http404("file missing") from missing
        response = FileResponse(handle, content_type=content_type)
    disposition = content_disposition_header(as_attachment, filename) if filename or as_attachment else None
    if disposition:
        response["Content-Disposition"] = disposition
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = f"private, max-age={int(max_age)}" if max_age else "private, no-store"
    return response
