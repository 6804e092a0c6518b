"""Faults of the background work: a database that goes away under the worker, and task results left
behind by a worker that was killed (``settle_task_results``)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connections
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult
from freezegun import freeze_time

from louwei.core import worker as worker_module
from louwei.core.tasks import NeverPickedUp, WorkerLost, class_path, prune_task_results, settle_task_results

RUNS: list[str] = []


@pytest.fixture(autouse=True)
def _clean_runs():
    RUNS.clear()


class Outage:
    """The default database connection replaced by one that cannot connect (an SQLite file in a
    missing folder, or a PostgreSQL database that does not exist): every query fails as it does while
    the server restarts. ``end()`` gives the real connection back."""

    def __init__(self, tmp_path):
        self.tmp_path = tmp_path
        self.original = None

    def begin(self):
        original = connections["default"]
        settings_dict = dict(original.settings_dict)
        if original.vendor == "sqlite":
            settings_dict["NAME"] = str(self.tmp_path / "missing-folder" / "louwei.sqlite3")
        else:
            settings_dict["NAME"] = "louwei_outage_no_such_database"
        self.original = original
        connections["default"] = original.__class__(settings_dict, alias="default")

    def end(self):
        if self.original is not None:
            connections["default"].close()
            connections["default"] = self.original
            self.original = None


OUTAGE: Outage | None = None


@task()
def interrupted_once(name):
    """The database goes away under this task the first time it runs."""
    RUNS.append(name)
    if len(RUNS) == 1:
        OUTAGE.begin()
    DBTaskResult.objects.count()  # fails during the outage
    return f"{name} done"


class PatientWorker(worker_module.ResilientWorker):
    """The real worker; its wait between two tries is where the test ends the outage."""

    pauses = 0

    def pause(self, seconds):
        self.pauses += 1
        OUTAGE.end()


def patient_worker(max_tasks):
    return PatientWorker(
        queue_names=["default"], interval=0.01, batch=False, backend_name="default", startup_delay=False,
        max_tasks=max_tasks, worker_id="test-worker", excluded_queue_names=[],
    )


@pytest.fixture
def outage(tmp_path):
    global OUTAGE
    OUTAGE = Outage(tmp_path)
    yield OUTAGE
    OUTAGE.end()
    OUTAGE = None


@pytest.mark.django_db(transaction=True)
def test_the_worker_waits_out_a_database_outage_and_runs_the_interrupted_task_again(outage, restore_signals):
    result = interrupted_once.enqueue("report")
    worker = patient_worker(max_tasks=2)  # the interrupted run counts as one

    worker.run()  # before: db_worker stopped with OperationalError and the task stayed RUNNING

    assert worker.pauses >= 1
    assert RUNS == ["report", "report"]
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert row.return_value == "report done"
    assert row.worker_ids == ["test-worker", "test-worker"]


@pytest.mark.django_db(transaction=True)
def test_the_worker_waits_while_the_database_is_away_before_any_task(outage, restore_signals):
    result = interrupted_once.enqueue("later")
    RUNS.append("already broken once")  # so the task itself does not break anything
    outage.begin()
    worker = patient_worker(max_tasks=1)

    worker.run()

    assert worker.pauses == 1
    assert DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.SUCCESSFUL


@pytest.mark.django_db(transaction=True)
def test_a_task_interrupted_again_and_again_is_failed_not_retried_for_ever(outage, restore_signals):
    result = interrupted_once.enqueue("poison")
    DBTaskResult.objects.filter(pk=result.id).update(worker_ids=["w1", "w2"])  # two earlier starts
    worker = patient_worker(max_tasks=1)

    worker.run()

    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == TaskResultStatus.FAILED
    assert row.exception_class_path == class_path(WorkerLost)
    assert RUNS == ["poison"]


@pytest.mark.django_db(transaction=True)
def test_a_batch_worker_still_stops_on_a_database_error(outage, restore_signals):
    from django.db import OperationalError

    interrupted_once.enqueue("batch")
    outage.begin()
    worker = PatientWorker(
        queue_names=["default"], interval=0, batch=True, backend_name="default", startup_delay=False,
        max_tasks=None, worker_id="batch", excluded_queue_names=[],
    )
    with pytest.raises(OperationalError):
        worker.run()
    assert worker.pauses == 0


# ----------------------------------------------------------------------------------------------
# Task results left behind: settle_task_results


def killed_mid_run(started_hours_ago: float) -> DBTaskResult:
    """A task a worker took and then died running (SIGKILL, OOM, a lost machine): RUNNING for ever."""
    result = interrupted_once.enqueue("killed")
    row = DBTaskResult.objects.get(pk=result.id)
    with freeze_time(timezone.now() - datetime.timedelta(hours=started_hours_ago)):
        row.claim("killed-worker")
    return row


@pytest.mark.django_db
def test_a_task_running_longer_than_the_limit_is_settled_as_worker_lost(settings):
    settings.LOUWEI_TASK_STALE_HOURS = 6
    stale = killed_mid_run(started_hours_ago=7)
    live = killed_mid_run(started_hours_ago=1)

    assert settle_task_results.call() == {"running": 1, "waiting": 0}
    assert settle_task_results.call() == {"running": 0, "waiting": 0}

    stale.refresh_from_db()
    assert stale.status == TaskResultStatus.FAILED
    assert stale.exception_class_path == class_path(WorkerLost)
    assert stale.finished_at is not None
    assert DBTaskResult.objects.get(pk=live.pk).status == TaskResultStatus.RUNNING


@pytest.mark.django_db
def test_a_task_nobody_picked_up_within_the_keep_period_is_settled(settings):
    settings.LOUWEI_TASK_RESULTS_KEEP_DAYS = 14
    with freeze_time(timezone.now() - datetime.timedelta(days=15)):
        forgotten = interrupted_once.enqueue("forgotten")
        deferred = interrupted_once.using(run_after=timezone.now() + datetime.timedelta(days=20)).enqueue("later")
    recent = interrupted_once.enqueue("recent")

    assert settle_task_results.call() == {"running": 0, "waiting": 1}

    statuses = dict(DBTaskResult.objects.values_list("id", "status"))
    assert statuses[_uuid(forgotten.id)] == TaskResultStatus.FAILED
    assert statuses[_uuid(deferred.id)] == TaskResultStatus.READY  # its time has not come yet
    assert statuses[_uuid(recent.id)] == TaskResultStatus.READY
    assert DBTaskResult.objects.get(pk=forgotten.id).exception_class_path == class_path(NeverPickedUp)


@pytest.mark.django_db
def test_settled_results_are_pruned_like_any_finished_result(settings):
    stale = killed_mid_run(started_hours_ago=7)
    settle_task_results.call()
    with freeze_time(timezone.now() + datetime.timedelta(days=15)):
        assert prune_task_results.call()["task_results"] == 1
    assert not DBTaskResult.objects.filter(pk=stale.pk).exists()


def test_the_settle_job_is_registered():
    from louwei.core import periodic

    job = periodic.registry.get("core.settle_task_results")
    assert job.task is settle_task_results


def _uuid(value):
    import uuid

    return uuid.UUID(str(value))


# ----------------------------------------------------------------------------------------------
# The RQ worker started again after a Redis outage (louwei.core.worker.keep_running)


class FakeRedis:
    """Whether Redis answers, step by step, and what the worker saw."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.runs = 0

    def available(self):
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]

    def run(self):
        self.runs += 1


def test_the_rq_worker_is_started_again_when_redis_returns():
    import threading

    # The worker ends while Redis is down (twice), Redis answers, the second run ends with Redis up.
    redis = FakeRedis([False, False, True, True])
    log = []
    worker_module.keep_running(redis.run, available=redis.available, stop=threading.Event(), log=log.append,
                               max_wait=0.01)
    assert redis.runs == 2
    assert log == ["Redis unavailable: the RQ worker starts again when it answers.",
                   "Redis answers again: starting the RQ worker."]


def test_a_worker_stopped_while_redis_answers_stays_stopped():
    import threading

    redis = FakeRedis([True])
    worker_module.keep_running(redis.run, available=redis.available, stop=threading.Event(), log=print)
    assert redis.runs == 1


def test_a_stop_while_waiting_for_redis_ends_the_wait():
    import threading

    stop = threading.Event()
    stop.set()  # SIGTERM arrived while Redis was down
    redis = FakeRedis([False])
    worker_module.keep_running(redis.run, available=redis.available, stop=stop, log=lambda line: None)
    assert redis.runs == 1
