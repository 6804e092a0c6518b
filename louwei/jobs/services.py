"""Starting a job: the one action a person takes here (the worker does the rest, ``running``)."""

from __future__ import annotations

import json
import re

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from louwei import access
from louwei.core.audit import record

from . import kinds, running
from .models import ACTIVE, Job

DEFAULT_AT_ONCE = 3


def at_once() -> int:
    """How many jobs of one kind a person may have waiting or under way: ``LOUWEI_JOBS_AT_ONCE``."""
    return max(1, int(getattr(settings, "LOUWEI_JOBS_AT_ONCE", DEFAULT_AT_ONCE)))


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean(value):
    """The parameters as JSON, without control characters (PostgreSQL's JSON refuses NUL)."""
    if isinstance(value, str):
        return _CONTROL.sub("", value)
    if isinstance(value, dict):
        return {_clean(key): _clean(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_clean(item) for item in value]
    return value


def _jsonable(params: dict) -> dict:
    return _clean(json.loads(json.dumps(params or {}, cls=DjangoJSONEncoder)))


@transaction.atomic
def start(*, actor, kind: str, target, params: dict | None = None, upload: tuple[str, bytes] | None = None,
          upload_from: Job | None = None) -> Job:
    """Start a job of ``kind`` on ``target`` for ``actor``; the worker runs it once this commits.

    ``actor`` must hold the kind's access action on ``target`` (``PermissionDenied`` otherwise) and
    may not have more than :func:`at_once` jobs of the kind waiting or under way (``ValidationError``).
    ``upload`` (name, bytes) is kept privately as the job's input; ``upload_from`` hands the input of
    an earlier job of the same person and target on to this one (the roster's confirmation), so one
    uploaded file is imported once."""
    spec = kinds.lookup(kind)
    access.require(actor, spec.action, target)
    # One start at a time per person, so two quick clicks cannot both pass the limit.
    list(get_user_model().objects.select_for_update().filter(pk=actor.pk).values_list("pk", flat=True))
    now = timezone.now()
    under_way = Job.objects.filter(
        owner=actor, kind=kind, status__in=ACTIVE, created_at__gte=now - running.STALE_AFTER
    ).count()
    limit = at_once()
    if under_way >= limit:
        raise ValidationError(
            ngettext(
                "You already have %(count)d of these under way. Wait until it is finished, then start again.",
                "You already have %(count)d of these under way. Wait until one is finished, then start again.",
                under_way,
            ) % {"count": under_way},
            code="too_many_jobs",
        )
    params = _jsonable(params)
    job = Job(
        owner=actor, kind=kind, params=params, title=str(spec.title(target, params))[:200],
        language=translation.get_language() or settings.LANGUAGE_CODE,
        target_type=ContentType.objects.get_for_model(target), target_id=str(target.pk),
        created_at=now, expires_at=now + running.keep_for(),
    )
    if upload_from is not None:
        source = Job.objects.select_for_update().filter(
            pk=upload_from.pk, owner=actor, target_type=job.target_type, target_id=job.target_id,
            expires_at__gt=now,
        ).exclude(input="").first()
        if source is None:
            raise ValidationError(_("The uploaded file has expired or was already used; upload it again."),
                                  code="upload_gone")
        job.input, job.input_name = source.input.name, source.input_name
        Job.objects.filter(pk=source.pk).update(input="")
    elif upload is not None:
        name, content = upload
        job.input_name = _clean(str(name))[:200]
        job.input.save(name, ContentFile(content), save=False)
    job.save()
    record(actor, "job.started", target, kind=kind, job=str(job.pk), params=params,
           **({"file": job.input_name} if job.input_name else {}))
    transaction.on_commit(lambda: running.enqueue(job.pk))
    return job
