"""The task workers, made to outlive a restart of what they depend on.

django-tasks-db's ``db_worker`` stops with an ``OperationalError`` as soon as the database does not
answer (a PostgreSQL restart, a failover, a network blip), and the task it was running stays
``RUNNING`` for ever. :class:`ResilientWorker` is the same loop, wrapped: on a lost connection it
closes the broken connections, waits (1, 2, 4 … at most 30 seconds) and starts polling again; the
task that was interrupted goes back to the queue (at most ``MAX_ATTEMPTS`` times in all, then it is
marked failed), so no task is lost to the outage. ``run_worker`` runs it.

RQ's worker retries while it waits for a job, but quits on a Redis error anywhere else (its
maintenance, its heartbeat), and django-rq's ``rqworker`` exits when Redis is down at start.
:func:`keep_running` starts it again once Redis answers, so a Redis restart needs no restart of
the worker either. A worker that stops while Redis answers (Ctrl-C, SIGTERM, ``--burst``) stays
stopped.
"""

from __future__ import annotations

import logging
import time

from django.db import InterfaceError, OperationalError, connections
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

logger = logging.getLogger("django_tasks_db")

MAX_ATTEMPTS = 3
MAX_WAIT = 30.0
CONNECTION_ERRORS = (OperationalError, InterfaceError)


class ResilientWorker(Worker):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.interrupted = None  # the id of a task whose run the database outage broke

    def run(self) -> None:
        wait = 1.0
        while True:
            try:
                self.requeue_interrupted()
                return super().run()
            except CONNECTION_ERRORS as exc:
                if self.batch or not self.running:
                    raise
                logger.warning("Database unavailable (%s: %s); retrying in %g s.", type(exc).__name__, exc, wait)
                close_connections()
                self.pause(wait)
                wait = min(wait * 2, MAX_WAIT)

    def pause(self, seconds: float) -> None:
        """Wait before trying the database again (Ctrl-C still stops the worker at once)."""
        time.sleep(seconds)

    def run_task(self, db_task_result) -> None:
        self.interrupted = db_task_result.pk
        super().run_task(db_task_result)  # records the outcome; raises only when it cannot
        self.interrupted = None

    def requeue_interrupted(self) -> None:
        """Put back the task whose outcome could not be recorded: it is waiting again, or failed
        after ``MAX_ATTEMPTS`` starts. Raises a connection error while the database is still away."""
        if self.interrupted is None:
            return
        from django_tasks.base import TaskResultStatus
        from django_tasks_db.models import DBTaskResult

        from .tasks import WorkerLost, class_path

        row = DBTaskResult.objects.filter(pk=self.interrupted, status=TaskResultStatus.RUNNING).first()
        if row is not None and len(row.worker_ids) < MAX_ATTEMPTS:
            DBTaskResult.objects.filter(pk=row.pk, status=TaskResultStatus.RUNNING).update(
                status=TaskResultStatus.READY, started_at=None
            )
            logger.warning("Task %s was interrupted by the database outage: queued again.", row.pk)
        elif row is not None:
            row.set_failed(WorkerLost(f"interrupted {len(row.worker_ids)} times by database outages"))
            logger.warning("Task %s was interrupted %d times: marked failed (%s).", row.pk, len(row.worker_ids),
                           class_path(WorkerLost))
        self.interrupted = None


def close_connections() -> None:
    for connection in connections.all(initialized_only=True):
        try:
            connection.close()
        except Exception:  # noqa: BLE001, S110 — a broken connection may fail to close; it is dropped anyway
            pass


def run(*, queue_names, interval, batch, backend_name, max_tasks=None, worker_id=None, startup_delay=True):
    """Run the worker with db_worker's signal handling (Ctrl-C finishes the task, twice stops it)."""
    worker = ResilientWorker(
        queue_names=queue_names, interval=interval, batch=batch, backend_name=backend_name,
        startup_delay=startup_delay, max_tasks=max_tasks, worker_id=worker_id or get_random_string(32),
        excluded_queue_names=[],
    )
    worker.configure_signals()
    worker.run()


def keep_running(run, *, available, stop, log, max_wait: float = MAX_WAIT) -> None:
    """Call ``run()`` (the RQ worker) again each time it ends while ``available()`` is false (Redis
    down), waiting 1, 2, 4 … ``max_wait`` seconds between tries; return when it ends with Redis up, or
    when the ``stop`` event is set (the signal handlers of the caller set it while it waits)."""
    while True:
        try:
            run()
        except SystemExit:
            if available():
                raise
        else:
            if available():
                return
        wait = 1.0
        log("Redis unavailable: the RQ worker starts again when it answers.")
        while not available():
            if stop.wait(wait):
                return
            wait = min(wait * 2, max_wait)
        log("Redis answers again: starting the RQ worker.")
