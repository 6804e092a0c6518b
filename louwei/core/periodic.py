"""Periodic jobs: cron expressions that enqueue Django tasks, once per time slot.

A feature registers a job in its ``tasks.py`` module, next to the task it runs::

    from django_tasks import task
    from louwei.core import periodic

    @task()
    def send_digests():
        ...

    periodic.register("notices.send_digests", "0 8 * * 1-5", send_digests)

**Discovery.** :func:`autodiscover` imports the ``tasks`` module of every installed app (the
same way the admin finds ``admin.py``), so registering needs no ``AppConfig.ready()``; the worker
imports those modules anyway to run their tasks. The default registry autodiscovers the first
time its jobs are asked for. A job name is ``<app label>.<what it does>`` and must be unique.

**Slots.** Cron expressions (five fields, or six with seconds; parsed by cronsim) are read in
``settings.TIME_ZONE``. On each pass, :meth:`Registry.run_pending` finds, for each job, the most
recent slot at or before *now*. If that slot is older than the job's grace window (default 10
minutes) it is skipped: a scheduler that was down does not replay what it missed in a burst, and
only the latest slot of a job is ever considered, never the ones before it.

**Exactly once.** A due slot is claimed by inserting a ``core.PeriodicRun(job, slot)`` row,
whose unique constraint lets exactly one scheduler (or one restart of it) win; the winner calls
``task.enqueue()`` in the same transaction, so on the database backend the claim and the queued
task commit together. Because the scheduler only enqueues, it works with every task backend
(``django_tasks_db`` and ``django_tasks_rq`` alike); a worker does the work.

``python manage.py run_scheduler`` runs a pass every 30 seconds; ``--once`` runs a single pass
(for deployments that prefer a cron entry, and for tests).
"""

from __future__ import annotations

import datetime
import logging
import threading
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from cronsim import CronSim, CronSimError
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

logger = logging.getLogger("louwei.periodic")

DEFAULT_GRACE = datetime.timedelta(minutes=10)
# A claim row is only needed while its slot could still be due; pruning keeps rows for longer.
MAX_GRACE = datetime.timedelta(days=1)


def _is_task(obj: Any) -> bool:
    from django_tasks.base import Task

    classes: list[type] = [Task]
    try:
        from django.tasks import Task as CoreTask  # Django 6 has the tasks framework built in
    except ImportError:
        pass
    else:
        classes.append(CoreTask)
    return isinstance(obj, tuple(classes))


@dataclass(frozen=True)
class Job:
    """One periodic job: run ``task`` at every slot of the cron expression ``cron``."""

    name: str
    cron: str
    task: Any  # a django_tasks Task
    grace: datetime.timedelta = DEFAULT_GRACE
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)

    def latest_slot(self, now: datetime.datetime) -> datetime.datetime:
        """The most recent slot at or before ``now``, as an aware datetime in the project's time zone."""
        local = now.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE)).replace(microsecond=0)
        # Reverse iteration first steps one second back, so start one second after ``now``.
        return next(CronSim(self.cron, local + datetime.timedelta(seconds=1), reverse=True))

    def next_slot(self, now: datetime.datetime) -> datetime.datetime:
        """The first slot strictly after ``now``."""
        local = now.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE)).replace(microsecond=0)
        return next(CronSim(self.cron, local))

    def due_slot(self, now: datetime.datetime) -> datetime.datetime | None:
        """The slot to enqueue at ``now``, or None when the latest slot is older than the grace window."""
        slot = self.latest_slot(now)
        if now - slot > self.grace:
            return None
        return slot


class Registry:
    """A set of periodic jobs. The project uses :data:`registry`; tests may make their own."""

    def __init__(self, *, discover: bool = False):
        self._jobs: dict[str, Job] = {}
        self._discover = discover
        self._discovered = False
        self._lock = threading.Lock()

    def register(
        self,
        name: str,
        cron: str,
        task,
        *,
        grace: datetime.timedelta = DEFAULT_GRACE,
        args: tuple = (),
        kwargs: dict | None = None,
    ) -> Job:
        """Run ``task`` (a ``@task`` function) at each slot of ``cron``. Returns the job.

        Registering the same definition twice is harmless (a module imported again); a different
        definition under a name already taken is a programming error."""
        if not name or len(name) > 100:
            raise ValueError("a periodic job needs a name of 1 to 100 characters")
        if not _is_task(task):
            raise TypeError(f"periodic job {name!r}: {task!r} is not a task (decorate the function with @task)")
        try:
            CronSim(cron, timezone.now())
        except CronSimError as exc:
            raise ValueError(f"periodic job {name!r}: bad cron expression {cron!r}: {exc}") from exc
        if not datetime.timedelta(0) < grace <= MAX_GRACE:
            raise ValueError(f"periodic job {name!r}: the grace window must be more than 0 and at most {MAX_GRACE}")
        job = Job(name=name, cron=cron, task=task, grace=grace, args=tuple(args), kwargs=dict(kwargs or {}))
        existing = self._jobs.get(name)
        if existing is not None and (existing.cron, existing.task.module_path, existing.grace, existing.args,
                                     existing.kwargs) != (cron, task.module_path, grace, job.args, job.kwargs):
            raise ValueError(f"periodic job {name!r} is already registered with another definition")
        self._jobs[name] = job
        return job

    def unregister(self, name: str) -> None:
        self._jobs.pop(name, None)

    def jobs(self) -> list[Job]:
        if self._discover and not self._discovered:
            with self._lock:
                if not self._discovered:
                    autodiscover()
                    self._discovered = True
        return [self._jobs[name] for name in sorted(self._jobs)]

    def get(self, name: str) -> Job:
        self.jobs()
        return self._jobs[name]

    def due(self, now: datetime.datetime | None = None) -> list[tuple[Job, datetime.datetime]]:
        """The jobs whose latest slot is within its grace window at ``now``, with that slot.

        A slot already claimed is still listed: :meth:`claim` decides, so that two schedulers
        computing the same list at the same moment still enqueue once."""
        now = now or timezone.now()
        due = []
        for job in self.jobs():
            slot = job.due_slot(now)
            if slot is not None:
                due.append((job, slot))
        return due

    def run_pending(self, now: datetime.datetime | None = None) -> list:
        """One scheduler pass: claim and enqueue every due slot not yet claimed. Returns the new claims."""
        from .models import PeriodicRun

        now = now or timezone.now()
        due = self.due(now)
        if not due:
            return []
        claimed = set(
            PeriodicRun.objects.filter(job__in=[job.name for job, _ in due], slot__in={slot for _, slot in due})
            .values_list("job", "slot")
        )
        runs = []
        for job, slot in due:
            if (job.name, slot) in claimed:
                continue
            run = claim(job, slot)
            if run is not None:
                runs.append(run)
        return runs


def claim(job: Job, slot: datetime.datetime):
    """Claim ``slot`` of ``job`` and enqueue its task; None when another scheduler has claimed it.

    The insert and the enqueue share one transaction: if enqueueing fails, the claim is rolled
    back and the next pass (within the grace window) tries again."""
    from .models import PeriodicRun

    try:
        with transaction.atomic():
            run = PeriodicRun.objects.create(job=job.name, slot=slot)
            result = job.task.enqueue(*job.args, **job.kwargs)
            run.task_result_id = str(result.id)[:64]
            run.save(update_fields=["task_result_id"])
    except IntegrityError:
        logger.debug("Periodic job %s slot %s already claimed", job.name, slot.isoformat())
        return None
    logger.debug("Enqueued periodic job %s for slot %s (task result %s)", job.name, slot.isoformat(),
                run.task_result_id)
    return run


def autodiscover() -> None:
    """Import every installed app's ``tasks`` module, where periodic jobs are registered."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("tasks")


#: The project's jobs. Features call ``periodic.register(...)`` in their ``tasks.py``.
registry = Registry(discover=True)
register = registry.register
jobs = registry.jobs
run_pending = registry.run_pending
