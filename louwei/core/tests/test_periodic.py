"""The periodic-job scheduler, the worker command and the daily prune job, on both task backends."""

from __future__ import annotations

import datetime
import uuid
import zoneinfo
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult
from freezegun import freeze_time

from louwei.core import periodic
from louwei.core.audit import record
from louwei.core.models import AuditEvent, PeriodicRun
from louwei.core.tasks import prune_task_results

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


# Tasks must live at module level so that a worker can import them by path.
@task()
def echo(value):
    return value


@task()
def leave_a_mark(value):
    """Proves it ran in a worker: writes an audit event."""
    record(None, "test.periodic_ran", None, value=value)
    return value


def at(*args) -> datetime.datetime:
    """A moment in the project's time zone (Asia/Shanghai)."""
    return datetime.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _shanghai(settings):
    settings.TIME_ZONE = "Asia/Shanghai"


@pytest.fixture
def registry():
    reg = periodic.Registry()
    reg.register("test.echo", "*/5 * * * *", echo, args=("hello",))
    return reg


def results_of(task_obj):
    return DBTaskResult.objects.filter(task_path=task_obj.module_path)


# ----------------------------------------------------------------------------------------------
# Slots and claims


@pytest.mark.django_db
def test_a_due_job_is_enqueued_once_at_its_slot(registry):
    runs = registry.run_pending(at(2026, 3, 2, 10, 5, 0))

    assert [(r.job, r.slot) for r in runs] == [("test.echo", at(2026, 3, 2, 10, 5))]
    (result,) = results_of(echo)
    assert result.status == TaskResultStatus.READY
    assert result.args_kwargs == {"args": ["hello"], "kwargs": {}}
    assert PeriodicRun.objects.get().task_result_id == str(result.id)


@pytest.mark.django_db
def test_running_the_pass_again_for_the_same_slot_enqueues_nothing_more(registry):
    registry.run_pending(at(2026, 3, 2, 10, 5, 0))
    assert registry.run_pending(at(2026, 3, 2, 10, 5, 0)) == []
    assert registry.run_pending(at(2026, 3, 2, 10, 5, 30)) == []  # the next wake-up, same slot
    assert registry.run_pending(at(2026, 3, 2, 10, 9, 59)) == []

    assert PeriodicRun.objects.count() == 1
    assert results_of(echo).count() == 1

    # The next slot is a new run.
    assert len(registry.run_pending(at(2026, 3, 2, 10, 10, 1))) == 1
    assert results_of(echo).count() == 2


@pytest.mark.django_db
def test_two_schedulers_racing_for_one_slot_enqueue_once():
    first, second = periodic.Registry(), periodic.Registry()
    for reg in (first, second):
        reg.register("test.echo", "*/5 * * * *", echo, args=("race",))
    now = at(2026, 3, 2, 10, 5, 2)

    # Both look before either claims, so both believe the slot is free ...
    due_first, due_second = first.due(now), second.due(now)
    assert [(j.name, s) for j, s in due_first] == [(j.name, s) for j, s in due_second]
    # ... and the unique claim decides.
    outcomes = [periodic.claim(*due_first[0]), periodic.claim(*due_second[0])]

    assert sum(run is not None for run in outcomes) == 1
    assert PeriodicRun.objects.count() == 1
    assert results_of(echo).count() == 1
    # A restarted scheduler doing a full pass finds the claim and does nothing.
    assert periodic.Registry().run_pending(now) == []
    assert second.run_pending(now) == []
    assert results_of(echo).count() == 1


@pytest.mark.django_db
def test_the_database_refuses_a_second_claim_of_a_slot():
    PeriodicRun.objects.create(job="test.echo", slot=at(2026, 3, 2, 10, 5))
    with pytest.raises(IntegrityError), transaction.atomic():
        PeriodicRun.objects.create(job="test.echo", slot=at(2026, 3, 2, 10, 5))


@pytest.mark.django_db
def test_a_slot_in_the_future_is_not_enqueued():
    reg = periodic.Registry()
    reg.register("test.morning", "0 9 * * *", echo, args=("morning",))

    assert reg.run_pending(at(2026, 3, 2, 8, 59, 59)) == []
    assert not PeriodicRun.objects.exists()
    assert results_of(echo).count() == 0

    (run,) = reg.run_pending(at(2026, 3, 2, 9, 0, 0))
    assert run.slot == at(2026, 3, 2, 9, 0)
    assert not PeriodicRun.objects.filter(slot__gt=at(2026, 3, 2, 9, 0)).exists()


@pytest.mark.django_db
def test_slots_are_read_in_the_project_time_zone():
    reg = periodic.Registry()
    reg.register("test.morning", "0 9 * * *", echo, args=("morning",))

    (run,) = reg.run_pending(datetime.datetime(2026, 3, 2, 1, 0, 30, tzinfo=datetime.UTC))  # 09:00:30 in Jinan

    assert run.slot == datetime.datetime(2026, 3, 2, 1, 0, tzinfo=datetime.UTC)


@pytest.mark.django_db
def test_a_stale_slot_beyond_the_grace_window_is_skipped():
    reg = periodic.Registry()
    reg.register("test.morning", "0 9 * * *", echo, args=("morning",), grace=datetime.timedelta(minutes=10))

    assert reg.run_pending(at(2026, 3, 2, 9, 10, 1)) == []  # 10 min 1 s late: skipped, not replayed
    assert reg.run_pending(at(2026, 3, 2, 23, 0, 0)) == []
    assert not PeriodicRun.objects.exists()
    assert results_of(echo).count() == 0
    # The next day's slot runs as usual.
    assert len(reg.run_pending(at(2026, 3, 3, 9, 10, 0))) == 1  # exactly at the edge of the window


@pytest.mark.django_db
def test_after_downtime_only_the_latest_slot_runs_not_a_burst(registry):
    # The scheduler was down from 09:00 to 10:07; the job runs every five minutes.
    runs = registry.run_pending(at(2026, 3, 2, 10, 7, 0))

    assert [r.slot for r in runs] == [at(2026, 3, 2, 10, 5)]
    assert results_of(echo).count() == 1


@pytest.mark.django_db
def test_a_failed_enqueue_leaves_the_slot_unclaimed_for_the_next_pass():
    class Exploding:
        module_path = "louwei.core.tests.test_periodic.echo"

        def enqueue(self, *args, **kwargs):
            raise RuntimeError("queue unavailable")

    job = periodic.Job(name="test.exploding", cron="*/5 * * * *", task=Exploding())
    with pytest.raises(RuntimeError):
        periodic.claim(job, at(2026, 3, 2, 10, 5))
    assert not PeriodicRun.objects.exists()


def test_registering_checks_the_definition():
    reg = periodic.Registry()
    with pytest.raises(ValueError, match="cron"):
        reg.register("test.bad", "every day", echo)
    with pytest.raises(TypeError):
        reg.register("test.plain", "* * * * *", lambda: None)
    with pytest.raises(ValueError, match="grace"):
        reg.register("test.grace", "* * * * *", echo, grace=datetime.timedelta(days=2))
    reg.register("test.echo", "*/5 * * * *", echo)
    reg.register("test.echo", "*/5 * * * *", echo)  # the same again: harmless
    with pytest.raises(ValueError, match="another definition"):
        reg.register("test.echo", "*/10 * * * *", echo)
    assert [job.name for job in reg.jobs()] == ["test.echo"]


def test_apps_register_jobs_in_their_tasks_module():
    job = periodic.registry.get("core.prune_task_results")

    assert job.cron == "17 3 * * *"
    assert job.task is prune_task_results
    assert job.next_slot(at(2026, 3, 2, 12, 0)) == at(2026, 3, 3, 3, 17)


def test_the_scheduler_wakes_early_for_a_slot_that_comes_before_the_interval():
    from louwei.core.management.commands.run_scheduler import Command

    reg = periodic.Registry()
    reg.register("test.every_minute", "* * * * *", echo)
    with freeze_time(at(2026, 3, 2, 10, 0, 50)):
        assert Command.seconds_to_sleep(reg.jobs(), 30) == pytest.approx(10.2)
    with freeze_time(at(2026, 3, 2, 10, 0, 5)):
        assert Command.seconds_to_sleep(reg.jobs(), 30) == 30


# ----------------------------------------------------------------------------------------------
# The worker really runs what the scheduler enqueued (database backend)


@pytest.mark.django_db(transaction=True)
def test_the_database_worker_runs_a_task_the_scheduler_enqueued(restore_signals):
    reg = periodic.Registry()
    reg.register("test.mark", "*/5 * * * *", leave_a_mark, args=("from the worker",))
    (run,) = reg.run_pending(at(2026, 3, 2, 10, 5, 1))

    call_command("run_worker", "--batch", stdout=StringIO(), verbosity=0)

    result = leave_a_mark.get_result(run.task_result_id)
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == "from the worker"
    assert AuditEvent.objects.filter(verb="test.periodic_ran", details={"value": "from the worker"}).count() == 1


@pytest.mark.django_db(transaction=True)
def test_run_scheduler_once_enqueues_the_daily_prune_and_the_worker_prunes(restore_signals):
    now = timezone.now()
    old, recent, waiting = (
        DBTaskResult.objects.create(
            task_path=echo.module_path, args_kwargs={"args": [n], "kwargs": {}}, backend_name="default",
            queue_name="default", status=status, finished_at=finished_at,
        )
        for n, status, finished_at in (
            (1, TaskResultStatus.SUCCESSFUL, now - datetime.timedelta(days=30)),
            (2, TaskResultStatus.FAILED, now - datetime.timedelta(days=1)),
            (3, TaskResultStatus.READY, None),
        )
    )
    old_claim = PeriodicRun.objects.create(job="core.prune_task_results", slot=now - datetime.timedelta(days=40))

    out = StringIO()
    today = timezone.localdate()
    with freeze_time(at(today.year, today.month, today.day, 3, 17, 20)):
        call_command("run_scheduler", "--once", stdout=out)
        call_command("run_scheduler", "--once", stdout=out)  # a second pass in the same slot: nothing
    assert out.getvalue().count(f"Enqueued core.prune_task_results for {today:%Y-%m-%d} 03:17:00") == 1
    run = PeriodicRun.objects.get(job="core.prune_task_results", slot=at(today.year, today.month, today.day, 3, 17))

    call_command("run_worker", "--batch", stdout=StringIO(), verbosity=0)

    result = prune_task_results.get_result(run.task_result_id)
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == {"task_results": 1, "periodic_runs": 1, "days": 14}
    assert not DBTaskResult.objects.filter(pk=old.pk).exists()
    assert DBTaskResult.objects.filter(pk__in=[recent.pk, waiting.pk]).count() == 2
    assert not PeriodicRun.objects.filter(pk=old_claim.pk).exists()
    assert waiting.task_path == echo.module_path


def test_run_worker_refuses_an_unknown_backend():
    with pytest.raises(CommandError, match="No task backend"):
        call_command("run_worker", "--backend", "nowhere")


@pytest.mark.django_db
def test_run_worker_refuses_rq_options_on_the_database_backend():
    with pytest.raises(CommandError, match="RQ backend only"):
        call_command("run_worker", "--batch", "--worker-class", "rq.worker.SimpleWorker")


# ----------------------------------------------------------------------------------------------
# The RQ backend (CI runs Redis at 127.0.0.1:6379)

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def rq_backend(settings):
    """TASKS on RQ with a queue of its own, so parallel runs do not see each other's jobs."""
    import django_rq
    import redis

    redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()  # CI has Redis: fail loudly if not
    queue = f"louwei-test-{uuid.uuid4().hex[:12]}"
    # django_rq looks results up through the "default" connection.
    settings.RQ_QUEUES = {name: {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 60} for name in ("default", queue)}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": [queue]}}
    yield queue
    rq_queue = django_rq.get_queue(queue)
    rq_queue.empty()
    rq_queue.delete(delete_jobs=True)


@pytest.mark.django_db(transaction=True)
def test_the_rq_worker_runs_a_task_the_scheduler_enqueued(rq_backend, restore_signals):
    on_queue = echo.using(queue_name=rq_backend)
    reg = periodic.Registry()
    reg.register("test.echo_rq", "*/5 * * * *", on_queue, args=("via redis",))

    (run,) = reg.run_pending(at(2026, 3, 2, 10, 5, 1))
    assert reg.run_pending(at(2026, 3, 2, 10, 5, 31)) == []
    assert on_queue.get_result(run.task_result_id).status == TaskResultStatus.READY
    assert not DBTaskResult.objects.exists()  # it went to Redis, not to the database

    call_command(
        "run_worker", "--batch", "--worker-class", "rq.worker.SimpleWorker", stdout=StringIO(), verbosity=0
    )

    result = on_queue.get_result(run.task_result_id)
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == "via redis"


@pytest.mark.django_db
def test_the_prune_job_leaves_task_results_alone_on_the_rq_backend(rq_backend):
    DBTaskResult.objects.create(
        task_path=echo.module_path, args_kwargs={"args": [], "kwargs": {}}, backend_name="default",
        queue_name="default", status=TaskResultStatus.SUCCESSFUL,
        finished_at=timezone.now() - datetime.timedelta(days=60),
    )

    assert prune_task_results.call() == {"task_results": 0, "periodic_runs": 0, "days": 14}
    assert DBTaskResult.objects.count() == 1
