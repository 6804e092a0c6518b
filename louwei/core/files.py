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

import hashlib
import logging
import mimetypes
import re
import secrets
from pathlib import PurePosixPath
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.http import content_disposition_header

_SAFE_SUFFIX = re.compile(r"^\.[a-z0-9]{1,8}$")
_PRIVATE_TAIL = r"/\d{4}/\d{2}/[0-9a-f]{32}(\.[a-z0-9]{1,8})?"

logger = logging.getLogger(__name__)


def private_name(folder: str, filename: str = "") -> str:
    """``folder/YYYY/MM/<32 random hex><.ext>``: the extension of ``filename`` kept when it is plain
    (so the file's type stays recognisable on disk), everything else about the name dropped."""
    suffix = PurePosixPath(str(filename or "")).suffix.lower()
    if not _SAFE_SUFFIX.match(suffix):
        suffix = ""
    return f"{folder.strip('/')}/{timezone.now():%Y/%m}/{secrets.token_hex(16)}{suffix}"


def is_private_name(folder: str, name: str) -> bool:
    """Is ``name`` already of the form :func:`private_name` gives under ``folder``?"""
    return bool(re.fullmatch(re.escape(folder.strip("/")) + _PRIVATE_TAIL, name or ""))


def version(field_file) -> str:
    """A short token that changes whenever the stored file changes (its name is new each time), for
    addresses a browser may cache; it reveals nothing of the stored name."""
    return hashlib.sha256((field_file.name or "").encode()).hexdigest()[:12]


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
    content_type = content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
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
    # Always set, so the browser never sees the stored name (FileResponse would offer it) and both
    # ways answer alike.
    response["Content-Disposition"] = content_disposition_header(as_attachment, filename) or "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = f"private, max-age={int(max_age)}" if max_age else "private, no-store"
    return response


def move_to_private_names(model, field_name: str, folder: str, *, using: str = "default") -> dict[str, int]:
    """Give every stored file of ``model.field_name`` a :func:`private_name` under ``folder`` (the data
    migrations use it, with their historical model). Names already private are left alone, so it can
    run again. A row whose file is missing keeps its name and is counted, never an error.

    Each file is copied to its new name and the row updated; the old files are deleted only once the
    transaction commits, so a failed migration leaves every row pointing at a file that exists.
    Returns the counts ``moved``, ``kept`` (already private) and ``missing``.
    """
    storage = model._meta.get_field(field_name).storage
    counts = {"moved": 0, "kept": 0, "missing": 0}
    old_names: list[str] = []
    rows = model._default_manager.using(using).exclude(**{field_name: ""}).only("pk", field_name).order_by("pk")
    for row in rows.iterator(chunk_size=500):
        old = getattr(row, field_name).name
        if is_private_name(folder, old):
            counts["kept"] += 1
            continue
        try:
            with storage.open(old, "rb") as handle:
                new = storage.save(private_name(folder, old), handle)
        except (OSError, SuspiciousFileOperation):  # missing, unreadable, or a name the storage refuses
            logger.warning("%s %s: file %r not found, its name is kept", model.__name__, row.pk, old)
            counts["missing"] += 1
            continue
        model._default_manager.using(using).filter(pk=row.pk).update(**{field_name: new})
        old_names.append(old)
        counts["moved"] += 1

    def delete_old():
        for name in old_names:
            try:
                storage.delete(name)
            except OSError:
                logger.warning("could not delete %s after moving it", name, exc_info=True)

    transaction.on_commit(delete_old, using=using)
    return counts


def moving_to_private_names(app_label: str, model_name: str, field_name: str, folder: str):
    """The data step of a migration that moves a file field's stored files to private names
    (:func:`move_to_private_names` on the historical model). Backwards it does nothing: the rows keep
    their random names, which earlier code reads as well (it only ever uses the stored name)."""
    from django.db import migrations

    def forwards(apps, schema_editor):
        move_to_private_names(
            apps.get_model(app_label, model_name), field_name, folder, using=schema_editor.connection.alias
        )

    return migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False)
