"""What the job pages read: one person's jobs, in a fixed number of queries."""

from __future__ import annotations

import uuid

from django.http import Http404
from django.utils import timezone

from .models import Job

RECENT = 10
LIST = 50
_LISTED = ("id", "owner_id", "kind", "title", "status", "progress_done", "progress_total", "result", "result_name",
           "result_size", "created_at", "finished_at", "expires_at")


def job_for(user, pk) -> Job:
    """The person's own job (not yet expired); 404 for anybody else's, as for one that does not exist."""
    try:
        key = pk if isinstance(pk, uuid.UUID) else uuid.UUID(str(pk))
    except ValueError:
        raise Http404("no such job") from None
    job = (
        Job.objects.select_related("target_type")
        .filter(pk=key, owner_id=getattr(user, "pk", None), expires_at__gt=timezone.now())
        .first()
    )
    if job is None:
        raise Http404("no such job")
    return job


def recent_for(user, *, limit: int = RECENT, exclude=None) -> list[Job]:
    """The person's latest jobs that are still kept, newest first: one query."""
    jobs = Job.objects.filter(owner_id=user.pk, expires_at__gt=timezone.now()).only(*_LISTED)
    if exclude is not None:
        jobs = jobs.exclude(pk=exclude)
    return list(jobs.order_by("-created_at")[:limit])


def latest_with_file(user, *, kinds: list[str], target) -> Job | None:
    """The person's latest finished job of one of ``kinds`` on ``target`` that left a file."""
    from django.contrib.contenttypes.models import ContentType

    return (
        Job.objects.filter(
            owner_id=user.pk, kind__in=kinds, status="done", expires_at__gt=timezone.now(),
            target_type=ContentType.objects.get_for_model(target), target_id=str(target.pk),
        )
        .exclude(result="")
        .order_by("-created_at")
        .first()
    )
