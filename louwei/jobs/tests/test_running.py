"""The job framework through its service and its task: starting (access, audit, the limit, the
queue), running (progress, the result, the notification, once), failing (the person's message,
never a traceback), losing the permission, dead workers, expiry and pruning with the files."""

from __future__ import annotations

import datetime
import logging
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.test import TestCase
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks.backends.base import BaseTaskBackend

from louwei.accounts.models import Role
from louwei.core import periodic
from louwei.core.models import AuditEvent
from louwei.jobs import kinds, running, services
from louwei.jobs.models import Job, Status
from louwei.jobs.tasks import prune_jobs, run_job
from louwei.notifications.models import Message
from louwei.testing.factories import UserFactory

from .conftest import run, start

pytestmark = pytest.mark.django_db




def stored(settings) -> list[str]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


# ----------------------------------------------------------------------------------------------
# Starting


def test_starting_asks_access_records_it_and_queues_the_task_after_the_commit(
        echo, building, secretary, tasks_in_database, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=False) as pending:
        job = start(secretary, building, text="你好")
    assert not DBTaskResult.objects.exists()  # nothing is queued before the commit
    assert job.status == Status.QUEUED and job.owner == secretary and job.target == building
    assert job.title == "Echo of 任务大厦" and job.expires_at > timezone.now()
    event = AuditEvent.objects.get(verb="job.started")
    assert event.actor == secretary and event.target_id == str(building.pk)
    assert event.details == {"kind": "test.echo", "job": str(job.pk), "params": {"text": "你好"}}
    for callback in pending:
        callback()
    queued = DBTaskResult.objects.get()
    assert queued.args_kwargs["args"] == [str(job.pk)] and queued.task_path.endswith("run_job")
    job.refresh_from_db()
    assert job.task_id == str(queued.id)


def test_a_person_without_the_permission_starts_nothing(echo, building):
    outsider = UserFactory()
    with pytest.raises(PermissionDenied):
        start(outsider, building)
    assert not Job.objects.exists() and not AuditEvent.objects.filter(verb="job.started").exists()


def test_a_few_of_a_kind_at_once_then_a_clear_refusal(echo, building, secretary, colleague, settings):
    settings.LOUWEI_JOBS_AT_ONCE = 2
    first = start(secretary, building)
    start(secretary, building)
    with pytest.raises(ValidationError) as refused, translation.override("en"):
        start(secretary, building)
    assert refused.value.messages == [
        "You already have 2 of these under way. Wait until one is finished, then start again."
    ]
    assert Job.objects.filter(owner=secretary).count() == 2
    start(colleague, building)  # another person has their own allowance
    run(first)  # one finished: room for one more
    start(secretary, building)
    # A job left queued by a dead worker for long does not block the person for ever.
    Job.objects.filter(owner=secretary, status=Status.QUEUED).update(
        created_at=timezone.now() - running.STALE_AFTER - datetime.timedelta(minutes=1)
    )
    start(secretary, building)


# ----------------------------------------------------------------------------------------------
# Running


def test_the_work_runs_once_shows_its_progress_and_tells_its_owner(echo, building, secretary, settings):
    job = run(start(secretary, building, text="第一行"))
    # Each step was written to the job's row while the work ran.
    assert echo.seen == [("running", step, 4, "Counting") for step in range(1, 5)]
    assert job.status == Status.DONE and job.percent == 100 and job.data == {"steps": 4}
    assert job.started_at <= job.finished_at and job.stage == ""
    assert job.expires_at == job.finished_at + datetime.timedelta(hours=24)
    # The file has a random name under jobs/, and the name the person saves it under.
    assert job.result.name.startswith("jobs/") and job.result.name.endswith(".txt") and "echo" not in job.result.name
    assert job.result_name == "echo.txt" and job.result_type == "text/plain" and job.result_size == len("第一行".encode())
    assert stored(settings) == [job.result.name]
    message = Message.objects.get(user=secretary, event="job.ready", channel="inbox")
    assert message.url == f"/jobs/{job.pk}/" and message.key == f"job:{job.pk}:done"
    # The task delivered twice runs once.
    assert run_job.call(str(job.pk)) == "skipped"
    assert Message.objects.filter(user=secretary).count() == 1 and stored(settings) == [job.result.name]


def test_a_validation_error_is_what_the_person_reads(echo, building, secretary, settings):
    job = run(start(secretary, building, fail="validation"))
    assert job.status == Status.FAILED and job.error == "The text may not be empty."
    assert not job.result and stored(settings) == []
    message = Message.objects.get(user=secretary, event="job.failed", channel="inbox")
    assert message.body == job.error and message.key == f"job:{job.pk}:failed"


def test_a_crash_is_logged_and_the_person_reads_a_plain_sentence(echo, building, secretary, caplog):
    with translation.override("en"):
        job = start(secretary, building, fail="crash")
    with caplog.at_level(logging.ERROR, logger="louwei.jobs"):
        run(job)
    assert job.status == Status.FAILED
    assert job.error == ("Something went wrong while doing this. Try again later; if it fails again, "
                         "tell the administrator.")
    assert "secret" not in job.error and "Traceback" not in job.error
    assert "secret internal detail" in caplog.text  # for the operator, in the log


def test_the_work_and_its_texts_follow_the_language_of_the_person_who_asked(echo, building, secretary):
    with translation.override("zh-hans"):
        job = start(secretary, building, fail="crash")
    assert job.language == "zh-hans"
    with translation.override("en"):
        run(job)
    with translation.override("zh-hans"):
        expected = _("Something went wrong while doing this. Try again later; if it fails again, "
                     "tell the administrator.")
        title = _("Failed: %(title)s") % {"title": job.title}
    assert job.error == expected and "Something went wrong" not in expected  # translated
    assert Message.objects.get(user=secretary).title == title and not title.startswith("Failed")


def test_a_person_who_lost_the_permission_while_waiting_gets_nothing(echo, building, secretary, settings):
    with translation.override("en"):
        job = start(secretary, building, text="x")
    Role.objects.filter(user=secretary).update(ended_at=timezone.now())
    run(job)
    assert job.status == Status.FAILED and job.error == "You may no longer do this, so the work was not done."
    assert echo.seen == [] and stored(settings) == []


def test_a_worker_that_cannot_be_reached_fails_the_job_at_once(echo, building, secretary, settings,
                                                               django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": f"{__name__}.UnreachableBackend"}}
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        job = start(secretary, building)
    job.refresh_from_db()
    assert job.status == Status.FAILED and job.error == "The work could not be queued. Try again in a few minutes."
    assert Message.objects.filter(user=secretary, event="job.failed").exists()


class UnreachableBackend(BaseTaskBackend):
    """A task backend whose queue is down (Redis stopped, say)."""

    def enqueue(self, task, args, kwargs):
        raise ConnectionError("the queue is down")


# ----------------------------------------------------------------------------------------------
# Dead workers, expiry


def test_jobs_a_dead_worker_left_behind_are_failed_and_their_owners_told(echo, building, secretary, colleague):
    waiting, working, fresh = start(secretary, building), start(colleague, building), start(colleague, building)
    long_ago = timezone.now() - running.STALE_AFTER - datetime.timedelta(minutes=1)
    Job.objects.filter(pk=waiting.pk).update(created_at=long_ago)
    Job.objects.filter(pk=working.pk).update(status=Status.RUNNING, started_at=long_ago)
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert prune_jobs.call() == {"stale": 2, "deleted": 0}
    for job in (waiting, working):
        job.refresh_from_db()
        assert job.status == Status.FAILED and job.error
        assert Message.objects.filter(user=job.owner, event="job.failed", key=f"job:{job.pk}:failed").exists()
    fresh.refresh_from_db()
    assert fresh.status == Status.QUEUED


def test_a_result_that_comes_after_the_job_was_given_up_is_not_kept(echo, building, secretary, settings):
    job = start(secretary, building, text="late")
    Job.objects.filter(pk=job.pk).update(status=Status.RUNNING)
    job.refresh_from_db()
    Job.objects.filter(pk=job.pk).update(status=Status.FAILED)  # given up by settle_stale while it ran
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert running.finish(job, kinds.Output(b"late", "late.txt", "text/plain")) == "lost"
    assert stored(settings) == [] and not Message.objects.exists()


def test_expired_jobs_are_pruned_with_their_files(echo, building, secretary, colleague, settings):
    old = run(start(secretary, building, text="old"))
    kept = run(start(colleague, building, text="kept"))
    with_input = services.start(actor=secretary, kind="test.echo", target=building, upload=("名册.xlsx", b"PK..."))
    assert with_input.input.name.startswith("jobs/input/") and len(stored(settings)) == 3
    waiting = start(colleague, building)
    past = timezone.now() - datetime.timedelta(seconds=1)
    Job.objects.filter(pk__in=[old.pk, with_input.pk, waiting.pk]).update(expires_at=past)
    Job.objects.filter(pk=with_input.pk).update(status=Status.FAILED)
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert prune_jobs.call() == {"stale": 0, "deleted": 2}
    assert set(Job.objects.values_list("pk", flat=True)) == {kept.pk, waiting.pk}  # a waiting job is not cut off
    assert stored(settings) == [kept.result.name]


def test_a_persons_files_leave_with_them(echo, building, secretary, settings):
    run(start(secretary, building, text="mine"))
    with TestCase.captureOnCommitCallbacks(execute=True):
        secretary.delete()
    assert not Job.objects.exists() and stored(settings) == []


def test_the_prune_job_runs_every_ten_minutes():
    job = periodic.registry.get("jobs.prune")
    assert job.cron == "*/10 * * * *" and job.task.module_path == "louwei.jobs.tasks.prune_jobs"


@pytest.mark.parametrize(("hours", "kept"), [(24, 24), (0, 1), (-5, 1), (72, 72), (1000, 168)])
def test_how_long_files_are_kept_stays_between_an_hour_and_a_week(settings, hours, kept):
    settings.LOUWEI_JOB_KEEP_HOURS = hours
    assert running.keep_for() == datetime.timedelta(hours=kept)


@pytest.mark.django_db(transaction=True)
def test_progress_inside_the_works_own_transaction(building, secretary):
    """The roster import writes in one transaction. On PostgreSQL its progress still reaches the
    job's row at once, through a second connection (the job page reads committed rows); SQLite has a
    single writer, held by the work, so there the figure waits for the end of the transaction."""
    seen = []

    def in_one_transaction(job, progress):
        with transaction.atomic():
            progress.stage("Writing", 4)
            progress(1, 4)
            seen.append(Job.objects.values_list("progress_done", "progress_total", "stage").get(pk=job.pk))
        progress(4, 4)
        seen.append(Job.objects.values_list("progress_done", "progress_total", "stage").get(pk=job.pk))
        return kinds.Output(data={})

    kinds.register("test.transaction", label="Transaction", action="building.view", run=in_one_transaction,
                   title=lambda building, params: "In one transaction")
    try:
        job = run(services.start(actor=secretary, kind="test.transaction", target=building))
    finally:
        kinds.unregister("test.transaction")
    assert job.status == Status.DONE
    if connection.vendor == "postgresql":
        assert seen == [(1, 4, "Writing"), (4, 4, "Writing")]
    else:
        assert seen == [(0, None, ""), (4, 4, "Writing")]


def test_control_characters_never_reach_the_stored_parameters(echo, building, secretary):
    job = start(secretary, building, text="a\x00b\x1bc", nested={"list": ["x\x00y"]})
    job.refresh_from_db()  # PostgreSQL's JSON would refuse a NUL
    assert job.params == {"text": "abc", "nested": {"list": ["xy"]}}
    assert AuditEvent.objects.get(verb="job.started").details["params"] == job.params


def test_a_deactivated_person_gets_nothing(echo, building, secretary, settings):
    with translation.override("en"):
        job = start(secretary, building, text="x")
    type(secretary).objects.filter(pk=secretary.pk).update(is_active=False)
    run(job)
    assert job.status == Status.FAILED and job.error == "You may no longer do this, so the work was not done."
    assert stored(settings) == []
