"""How a job runs in the worker, and how jobs end: finished, failed, stale or expired.

:func:`run` claims a queued job (a conditional UPDATE, so a task delivered twice runs once), asks
access again, calls the kind's ``run`` in the asker's language with a :class:`Progress`, asks access
once more, then keeps the result (a private file, data for the result page) and tells the person.
A ``ValidationError`` from the kind is the person's error message; any other exception is logged
and the person reads a plain sentence, never a traceback.

:func:`settle_stale` fails the jobs a dead worker left queued or running (after
:data:`STALE_AFTER`), and :func:`prune` deletes the jobs past ``expires_at`` with their files;
both run in the periodic job ``jobs.prune``.
"""

from __future__ import annotations

import datetime
import logging
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from louwei import access

from . import kinds, notify, permissions
from .models import ACTIVE, Job, Status
from .signals import delete_file

logger = logging.getLogger("louwei.jobs")

# A job still queued or running this long after it was asked for or started has lost its worker.
STALE_AFTER = datetime.timedelta(hours=1)
DEFAULT_KEEP_HOURS = 24
PRUNE_BATCH = 500


def keep_for() -> datetime.timedelta:
    """How long a finished job and its file are kept: ``LOUWEI_JOB_KEEP_HOURS``, from 1 hour to 7 days."""
    hours = int(getattr(settings, "LOUWEI_JOB_KEEP_HOURS", DEFAULT_KEEP_HOURS))
    return datetime.timedelta(hours=min(max(hours, 1), 7 * 24))


def may_run(job: Job) -> bool:
    """Does the job's owner still hold the kind's permission on the target (their roles read afresh)?"""
    access.forget(job.owner)
    return permissions.may_use(job.owner, job)


class Progress:
    """The ``progress`` a kind's ``run`` receives: ``progress(done, total)`` and ``progress.stage(text)``.

    It writes the job's row when the shown figure changes (each whole percent, or each step when
    the total is not known), so a 5,000-row import writes about a hundred times, not 5,000.

    Work that runs inside its own transaction (the roster import) cannot show its progress through
    that transaction. On PostgreSQL the row is then written through a second connection, outside
    the transaction; on SQLite the work holds the database's only write lock, so the figure waits
    for the next step outside the transaction (or the end)."""

    def __init__(self, job: Job):
        self.job_id = job.pk
        self.done = 0
        self.total: int | None = None
        self.text = ""
        self._depth = len(connection.atomic_blocks)
        self._written: tuple | None = None
        self._aside = None

    def __call__(self, done: int, total: int | None = None) -> None:
        if total is not None:
            self.total = max(int(total), 0)
        self.done = max(int(done), 0)
        if self.total is not None:
            self.done = min(self.done, self.total)
        self._write()

    def stage(self, text: str, total: int | None = None) -> None:
        """A new stage of the work (a short text in the asker's language): the count starts again."""
        self.text = str(text)[:200]
        self.done, self.total = 0, (max(int(total), 0) if total is not None else None)
        self._write()

    def _write(self) -> None:
        shown = (self.done * 100 // self.total if self.total else self.done, self.total, self.text)
        if shown == self._written:
            return
        values = {"progress_done": self.done, "progress_total": self.total, "stage": self.text}
        if len(connection.atomic_blocks) > self._depth:
            if connection.vendor != "postgresql":
                return
            self._write_aside(values)
        else:
            Job.objects.filter(pk=self.job_id, status=Status.RUNNING).update(**values)
        self._written = shown

    def _write_aside(self, values: dict) -> None:
        if self._aside is None:
            self._aside = connection.copy()
        qn = self._aside.ops.quote_name
        assignments = ", ".join(f"{qn(column)} = %s" for column in values)
        with self._aside.cursor() as cursor:
            cursor.execute(
                f"UPDATE {qn(Job._meta.db_table)} SET {assignments} WHERE {qn('id')} = %s AND {qn('status')} = %s",
                [*values.values(), self.job_id, Status.RUNNING],
            )

    def close(self) -> None:
        if self._aside is not None:
            self._aside.close()
            self._aside = None


def run(job_id) -> str:
    """Run the queued job ``job_id``; returns its status ("skipped" when it was not queued)."""
    now = timezone.now()
    if not Job.objects.filter(pk=job_id, status=Status.QUEUED).update(status=Status.RUNNING, started_at=now):
        return "skipped"
    job = Job.objects.select_related("owner", "target_type").get(pk=job_id)
    with translation.override(job.language or settings.LANGUAGE_CODE):
        progress = Progress(job)
        try:
            if not may_run(job):
                raise ValidationError(_("You may no longer do this, so the work was not done."))
            output = kinds.lookup(job.kind).run(job, progress)
            if not may_run(job):
                raise ValidationError(_("You may no longer do this, so the result was not kept."))
        except ValidationError as error:
            return fail(job, " ".join(error.messages))
        except Exception:
            logger.exception("Job %s (%s) failed", job.pk, job.kind)
            return fail(job, _("Something went wrong while doing this. Try again later; if it fails again, "
                               "tell the administrator."))
        finally:
            progress.close()
        return finish(job, output, progress)


def finish(job: Job, output: kinds.Output, progress: Progress | None = None) -> str:
    """Keep the output of a running job and tell its owner."""
    now = timezone.now()
    total = progress.total if progress is not None else None
    values = {
        "status": Status.DONE, "finished_at": now, "expires_at": now + keep_for(), "data": output.data,
        "progress_total": total, "progress_done": total or 0, "stage": "",
    }
    stored = ""
    if output.content is not None:
        field = Job._meta.get_field("result")
        stored = field.storage.save(field.generate_filename(job, output.filename), ContentFile(output.content))
        values.update(result=stored, result_name=output.filename[:200], result_type=output.content_type[:100],
                      result_size=len(output.content))
    with transaction.atomic():
        if not Job.objects.filter(pk=job.pk, status=Status.RUNNING).update(**values):
            # Settled as stale, or deleted, while it ran: nobody is waiting for this file.
            if stored:
                transaction.on_commit(partial(field.storage.delete, stored))
            return "lost"
        for name, value in values.items():
            setattr(job, name, value)
        notify.finished(job)
    return job.status


def fail(job: Job, message: str, *, expected: tuple = (Status.RUNNING,)) -> str:
    """Mark ``job`` failed with ``message`` (for the person, in their language) and tell them."""
    now = timezone.now()
    values = {"status": Status.FAILED, "error": message[:2000], "finished_at": now, "expires_at": now + keep_for()}
    with transaction.atomic():
        if not Job.objects.filter(pk=job.pk, status__in=expected).update(**values):
            return "lost"
        for name, value in values.items():
            setattr(job, name, value)
        notify.finished(job)
    return job.status


def drop_input(job: Job) -> None:
    """Delete the job's uploaded input (imported, or unusable), once the transaction commits."""
    if job.input:
        delete_file(job.input)
        Job.objects.filter(pk=job.pk).update(input="")
        job.input = ""


def enqueue(job_id) -> None:
    """Queue the job's task (after the transaction that created the job has committed). When the
    queue cannot be reached the job fails at once, so nobody waits for work that will never run."""
    from .tasks import run_job

    try:
        result = run_job.enqueue(str(job_id))
    except Exception:
        logger.exception("Job %s could not be queued", job_id)
        job = Job.objects.select_related("owner").filter(pk=job_id, status=Status.QUEUED).first()
        if job is not None:
            with translation.override(job.language or settings.LANGUAGE_CODE):
                fail(job, _("The work could not be queued. Try again in a few minutes."), expected=(Status.QUEUED,))
        return
    Job.objects.filter(pk=job_id).update(task_id=str(result.id)[:64])


def settle_stale(now: datetime.datetime | None = None) -> int:
    """Fail the jobs still queued or running long after they should have finished (a worker that
    died, a lost task): their owners are told and may start them again."""
    now = now or timezone.now()
    cutoff = now - STALE_AFTER
    stale = Job.objects.filter(
        Q(status=Status.QUEUED, created_at__lt=cutoff) | Q(status=Status.RUNNING, started_at__lt=cutoff)
    ).select_related("owner")
    settled = 0
    for job in stale[:PRUNE_BATCH]:
        with translation.override(job.language or settings.LANGUAGE_CODE):
            message = _("This work stopped before it was finished. Start it again.")
            settled += fail(job, message, expected=(job.status,)) == Status.FAILED
    return settled


def prune(now: datetime.datetime | None = None) -> int:
    """Delete the finished jobs past ``expires_at``, with their files; returns how many."""
    now = now or timezone.now()
    expired = Job.objects.filter(expires_at__lte=now).exclude(status__in=ACTIVE)
    deleted = 0
    while True:
        ids = list(expired.values_list("pk", flat=True)[:PRUNE_BATCH])
        if not ids:
            return deleted
        with transaction.atomic():
            # Row by row through the collector, so the post_delete receiver deletes the files.
            count, _by_model = Job.objects.filter(pk__in=ids).delete()
        deleted += count
