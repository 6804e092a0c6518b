"""Background tasks of the kernel, and their periodic jobs.

``prune_task_results`` runs daily at 03:17: it deletes finished task results older than
``settings.LOUWEI_TASK_RESULTS_KEEP_DAYS`` (default 14) from every database task backend
(the RQ backend keeps its results in Redis with their own time to live, so there it has
nothing to prune), and the periodic-job claims older than that.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from . import periodic

DEFAULT_KEEP_DAYS = 14


def keep_days() -> int:
    return max(2, int(getattr(settings, "LOUWEI_TASK_RESULTS_KEEP_DAYS", DEFAULT_KEEP_DAYS)))


@task()
def prune_task_results(days: int | None = None) -> dict:
    """Delete finished (successful or failed) task results and periodic claims older than ``days``."""
    from django_tasks import task_backends
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    from .models import PeriodicRun

    days = keep_days() if days is None else max(2, int(days))
    cutoff = timezone.now() - datetime.timedelta(days=days)
    database_backends = [
        alias for alias in settings.TASKS if isinstance(task_backends[alias], DatabaseBackend)
    ]
    results = 0
    if database_backends:
        results, _ = (
            DBTaskResult.objects.finished()
            .filter(backend_name__in=database_backends, finished_at__lte=cutoff)
            .delete()
        )
    # A claim matters only while its slot is inside the grace window (at most a day).
    claims, _ = PeriodicRun.objects.filter(slot__lt=cutoff).delete()
    return {"task_results": results, "periodic_runs": claims, "days": days}


periodic.register(
    "core.prune_task_results", "17 3 * * *", prune_task_results, grace=datetime.timedelta(hours=6)
)
