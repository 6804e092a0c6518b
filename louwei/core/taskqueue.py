"""The RQ task backend with an outbox in the database: no task is lost while Redis is down.

With ``REDIS_URL`` set, tasks go to Redis (django-tasks-rq). When Redis cannot be reached,
:class:`RQWithOutbox` writes the task to the database instead, as a waiting row of the
``OUTBOX`` task backend (django-tasks-db's table), in the caller's transaction. No worker takes
those rows: every pass of ``run_scheduler`` calls :func:`relay_outboxes`, which moves them to Redis,
oldest first, under the same task id, once Redis answers. ``get_result(id)`` finds a task in
either place, so a page following a task's progress does not notice the detour.

A row is claimed (``RUNNING``) before it is sent and marked done after, so two schedulers never
send it twice; a relay that dies in between leaves the row ``RUNNING`` and the hourly
``core.settle_task_results`` marks it failed (the task itself is then usually already in Redis).
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.utils import timezone
from django_tasks.base import TaskResult, TaskResultStatus
from django_tasks.exceptions import TaskResultDoesNotExist
from django_tasks.signals import task_enqueued
from django_tasks.utils import get_random_id
from django_tasks_rq.backend import Job, RQBackend, failed_callback, success_callback
from rq.job import Callback, JobStatus

from .cache import unavailable_errors

logger = logging.getLogger("louwei.tasks")

RELAY_BATCH = 500


class RQWithOutbox(RQBackend):
    def __init__(self, alias: str, params: dict) -> None:
        super().__init__(alias, params)
        self.outbox_alias = self.options.get("OUTBOX", "outbox")
        self._errors = unavailable_errors()

    @property
    def outbox(self):
        from django_tasks import task_backends

        return task_backends[self.outbox_alias]

    def enqueue(self, task, args, kwargs) -> TaskResult:
        self.validate_task(task)
        try:
            return self._enqueue(task, args, kwargs, get_random_id())
        except self._errors as exc:
            logger.warning("Redis unavailable (%s: %s): task %s kept in the database outbox until it answers.",
                           type(exc).__name__, exc, task.module_path)
            return task.using(backend=self.outbox_alias).enqueue(*args, **kwargs)

    def _enqueue(self, task, args, kwargs, result_id: str) -> TaskResult:
        """django-tasks-rq's enqueue, with the task id chosen by the caller (the outbox keeps its id)."""
        import django_rq
        from django_tasks.base import TASK_MAX_PRIORITY

        task_result = TaskResult(
            task=task, id=result_id, status=TaskResultStatus.READY, enqueued_at=None, started_at=None,
            last_attempted_at=None, finished_at=None, args=args, kwargs=kwargs, backend=self.alias, errors=[],
            worker_ids=[],
        )
        queue = django_rq.get_queue(task.queue_name, job_class=Job)
        job = queue.create_job(
            task.module_path, args=args, kwargs=kwargs, job_id=result_id,
            status=JobStatus.SCHEDULED if task.run_after else JobStatus.QUEUED,
            on_failure=Callback(failed_callback), on_success=Callback(success_callback),
            meta={"backend_name": self.alias},
        )
        if task.run_after is None:
            job = queue.enqueue_job(job, at_front=task.priority == TASK_MAX_PRIORITY)
        else:
            job = queue.schedule_job(job, task.run_after)
        object.__setattr__(task_result, "enqueued_at", job.enqueued_at)
        task_enqueued.send(type(self), task_result=task_result)
        return task_result

    def get_result(self, result_id: str) -> TaskResult:
        try:
            return super().get_result(result_id)
        except TaskResultDoesNotExist:
            pass
        except self._errors:
            pass
        return self.outbox.get_result(result_id)

    # --- the relay ---------------------------------------------------------------------------------

    def waiting_in_outbox(self):
        from django_tasks_db.models import DBTaskResult

        return DBTaskResult.objects.filter(backend_name=self.outbox_alias, status=TaskResultStatus.READY)

    def relay(self, limit: int = RELAY_BATCH) -> int:
        """Move up to ``limit`` waiting outbox rows to Redis; stops at the first Redis failure."""
        from django_tasks_db.models import DBTaskResult

        moved = 0
        for row in self.waiting_in_outbox().order_by("enqueued_at")[:limit]:
            if not DBTaskResult.objects.filter(pk=row.pk, status=TaskResultStatus.READY).update(
                status=TaskResultStatus.RUNNING, started_at=timezone.now()
            ):
                continue  # another scheduler took it
            try:
                task = row.task.using(backend=self.alias)
                self._enqueue(task, row.args_kwargs["args"], row.args_kwargs["kwargs"], str(row.pk))
            except self._errors:
                DBTaskResult.objects.filter(pk=row.pk).update(status=TaskResultStatus.READY, started_at=None)
                break
            DBTaskResult.objects.filter(pk=row.pk).update(
                status=TaskResultStatus.SUCCESSFUL, finished_at=timezone.now(),
                return_value={"relayed_to": self.alias},
            )
            moved += 1
        if moved:
            logger.warning("Relayed %d task(s) from the database outbox to Redis.", moved)
        return moved

    # --- the health page -------------------------------------------------------------------------------

    def queue_figures(self, label) -> list:
        from django.db.models import Min
        from django.utils.translation import gettext_lazy as _
        from django.utils.translation import pgettext_lazy

        from . import health

        outbox = self.waiting_in_outbox().aggregate(oldest=Min("enqueued_at"))
        outbox_count = self.waiting_in_outbox().count()
        figures = [health.Figure(label, "Redis", health.INFO)]
        try:
            waiting, oldest, running, failed = self._redis_figures()
        except self._errors as exc:
            figures.append(health.Figure(pgettext_lazy("health", "Redis"), type(exc).__name__, health.DANGER,
                                         _("Tasks wait in the database outbox until Redis answers.")))
        else:
            late = oldest is not None and health.age(oldest) > health.LATE
            figures += [
                health.Figure(_("Tasks waiting"), waiting, health.WARN if late else health.OK),
                health.Figure(_("Oldest waiting task"), health.waited(oldest), health.WARN if late else health.OK,
                              _("Is a worker running?") if late else ""),
                health.Figure(_("Tasks running"), running, health.OK),
                health.Figure(_("Failed tasks kept by RQ"), failed, health.WARN if failed else health.OK),
            ]
        figures.append(health.Figure(
            _("Tasks waiting in the database outbox"), outbox_count, health.WARN if outbox_count else health.OK,
            _("The oldest has waited %(age)s; the scheduler sends them to Redis when it answers.") % {
                "age": health.waited(outbox["oldest"])} if outbox_count else "",
        ))
        return figures

    def _redis_figures(self) -> tuple[int, Any, int, int]:
        import django_rq
        from rq.job import Job as RQJob

        waiting = running = failed = 0
        oldest = None
        for name in sorted(self.queues):
            queue = django_rq.get_queue(name)
            waiting += queue.count
            running += queue.started_job_registry.count
            failed += queue.failed_job_registry.count
            first = queue.get_job_ids(0, 1)
            if first:
                job = RQJob.fetch(first[0], connection=queue.connection)
                if job.enqueued_at and (oldest is None or job.enqueued_at < oldest):
                    oldest = job.enqueued_at
        if oldest is not None and timezone.is_naive(oldest):
            oldest = timezone.make_aware(oldest, datetime.UTC)
        return waiting, oldest, running, failed


def relay_outboxes() -> int:
    """Move what waits in every RQ backend's outbox to Redis (called by each scheduler pass)."""
    from django.conf import settings
    from django_tasks import task_backends

    return sum(
        task_backends[alias].relay() for alias in settings.TASKS if isinstance(task_backends[alias], RQWithOutbox)
    )
