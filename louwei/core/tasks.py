"""Background tasks of the kernel, and their periodic jobs.

``prune_task_results`` runs daily at 03:17: it deletes finished task results older than
``settings.LOUWEI_TASK_RESULTS_KEEP_DAYS`` (default 14) from every database task backend
(the RQ backend keeps its results in Redis with their own time to live, so there it has
nothing to prune), and the periodic-job claims older than that.

``settle_task_results`` runs hourly on the database task backends: a task still ``RUNNING``
``LOUWEI_TASK_STALE_HOURS`` (default 6) after it started belongs to a worker that was killed or
lost its machine; a task still waiting ``LOUWEI_TASK_RESULTS_KEEP_DAYS`` after it was due has no
worker for its queue. Both are marked failed (:class:`WorkerLost`, :class:`NeverPickedUp`), never
run again; the health page counts them and ``prune_task_results`` deletes them in due course. The
work they stood for is not lost: each feature's periodic jobs pick up what is still to do (e-mail
still queued, notices still due). RQ settles its own abandoned jobs (its started-job registry).
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from . import periodic

logger = logging.getLogger("louwei.tasks")

DEFAULT_KEEP_DAYS = 14
DEFAULT_STALE_HOURS = 6


class WorkerLost(Exception):
    """The worker stopped (killed, or its machine went down) while the task was running."""


class NeverPickedUp(Exception):
    """No worker took the task while it was kept waiting."""


SETTLED = (WorkerLost, NeverPickedUp)


def keep_days() -> int:
    return max(2, int(getattr(settings, "LOUWEI_TASK_RESULTS_KEEP_DAYS", DEFAULT_KEEP_DAYS)))


def stale_hours() -> int:
    return max(1, int(getattr(settings, "LOUWEI_TASK_STALE_HOURS", DEFAULT_STALE_HOURS)))


def class_path(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def database_backends() -> list[str]:
    """The aliases of the task backends that keep their results in the database."""
    from django_tasks import task_backends
    from django_tasks_db.backend import DatabaseBackend

    return [alias for alias in settings.TASKS if isinstance(task_backends[alias], DatabaseBackend)]


@task()
def prune_task_results(days: int | None = None) -> dict:
    """Delete finished (successful or failed) task results and periodic claims older than ``days``."""
    from django_tasks_db.models import DBTaskResult

    from .models import PeriodicRun

    days = keep_days() if days is None else max(2, int(days))
    cutoff = timezone.now() - datetime.timedelta(days=days)
    backends = database_backends()
    results = 0
    if backends:
        results, _ = (
            DBTaskResult.objects.finished()
            .filter(backend_name__in=backends, finished_at__lte=cutoff)
            .delete()
        )
    # A claim matters only while its slot is inside the grace window (at most a day).
    claims, _ = PeriodicRun.objects.filter(slot__lt=cutoff).delete()
    return {"task_results": results, "periodic_runs": claims, "days": days}


@task()
def settle_task_results() -> dict:
    """Mark failed the tasks whose worker stopped mid-run and those no worker ever took."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult, get_date_max

    backends = database_backends()
    if not backends:
        return {"running": 0, "waiting": 0}
    now = timezone.now()
    mine = DBTaskResult.objects.filter(backend_name__in=backends)
    running = mine.running().filter(started_at__lt=now - datetime.timedelta(hours=stale_hours()))
    waited = now - datetime.timedelta(days=keep_days())
    waiting = mine.ready().filter(
        Q(run_after=get_date_max(), enqueued_at__lt=waited) | Q(run_after__lt=waited)
    )
    counts = {}
    for name, queryset, error in (("running", running, WorkerLost), ("waiting", waiting, NeverPickedUp)):
        counts[name] = queryset.update(
            status=TaskResultStatus.FAILED, finished_at=now, exception_class_path=class_path(error),
            traceback=f"{error.__name__}: {error.__doc__}\n", return_value=None,
        )
    if any(counts.values()):
        logger.warning("Settled stale task results: %s", counts)
    return counts


periodic.register("core.settle_task_results", "7 * * * *", settle_task_results, grace=datetime.timedelta(hours=1))
periodic.register(
    "core.prune_task_results", "17 3 * * *", prune_task_results, grace=datetime.timedelta(hours=6)
)
