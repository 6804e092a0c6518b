"""Redis down with ``REDIS_URL`` set: the pages that use the cache still answer (and their rate limits
still count, in the database cache), and a task enqueued meanwhile waits in the database outbox
until Redis answers again. The settings are the production ones (``redis_settings``), pointed at a
port where nothing listens; "Redis answers again" is the CI's Redis on 127.0.0.1:6379."""

from __future__ import annotations

import socket
import uuid
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult
from freezegun import freeze_time

from louwei.cases.models import Case
from louwei.core import cache as fallback_cache
from louwei.core import taskqueue
from louwei.settings.base import redis_settings
from louwei.testing.factories import BuildingFactory, FloorFactory, UserFactory, category

LIVE_REDIS = "redis://127.0.0.1:6379/0"
# The periodic jobs go to the queue named "default": on a database of Redis no one else's worker reads.
QUIET_REDIS = "redis://127.0.0.1:6379/13"


def closed_port() -> int:
    """A local port where nothing listens (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


DOWN_REDIS = f"redis://127.0.0.1:{closed_port()}/0"


@pytest.fixture(autouse=True)
def _fresh_breaker():
    fallback_cache._down_until.clear()
    yield
    fallback_cache._down_until.clear()


@pytest.fixture
def redis_down(settings):
    """The production Redis settings, with Redis down."""
    config = redis_settings(DOWN_REDIS)
    settings.CACHES = config["CACHES"]
    return config


# --- Pages ----------------------------------------------------------------------------------------


@pytest.mark.django_db
@freeze_time("2026-11-30 10:00:00+08:00")
def test_the_login_still_answers_and_still_limits_while_redis_is_down(client, redis_down):
    """Before: Django's RedisCache raised ConnectionError in the rate limit and the login answered 500."""
    user = UserFactory(username="target")
    assert client.get("/login/").status_code == 200
    for n in range(10):
        assert client.post("/login/", {"username": f"guess{n}", "password": "x"}, REMOTE_ADDR="10.0.0.7").status_code == 200
    assert client.post("/login/", {"username": "target", "password": "test-pass-123"},
                       REMOTE_ADDR="10.0.0.7").status_code == 429, "the limit still counts, in the database cache"
    assert client.post("/login/", {"username": "target", "password": "test-pass-123"},
                       REMOTE_ADDR="10.0.0.8").status_code == 302
    assert client.get("/me/").wsgi_request.user == user


@pytest.mark.django_db
@freeze_time("2026-11-30 10:00:00+08:00")
def test_a_visitor_still_raises_a_case_while_redis_is_down(client, redis_down):
    floor = FloorFactory(building=BuildingFactory(code="RD"), number=3)
    url = reverse("cases:visitor_raise", args=[floor.code])
    assert client.get(url).status_code == 200
    data = {"category": str(category("repairs").pk), "description": "走廊的灯不亮，晚上很暗，请尽快维修。",
            "name": "", "phone": "", "website": ""}
    for _ in range(3):
        assert client.post(url, data).status_code == 302
    assert Case.objects.count() == 3
    assert client.post(url, data).status_code == 429, "the device limit (3 in 10 minutes) still holds"


@pytest.mark.django_db
def test_the_cache_goes_back_to_redis_when_it_answers(settings, redis_down):
    from django.core.cache import cache

    cache.set("louwei:test-key", "kept in the database", 60)
    assert cache.using_fallback()
    assert cache.get("louwei:test-key") == "kept in the database"

    settings.CACHES = redis_settings(LIVE_REDIS)["CACHES"]  # Redis is back
    fallback_cache._down_until.clear()  # as after RETRY_AFTER seconds
    from django.core.cache import cache as fresh

    key = f"louwei:test-{uuid.uuid4().hex}"
    fresh.set(key, "in redis", 30)
    assert not fresh.using_fallback()
    from django.core.cache import caches

    assert caches["redis"].get(key) == "in redis"
    caches["redis"].delete(key)


# --- Tasks ----------------------------------------------------------------------------------------


@task()
def remember(value):
    return f"ran {value}"


@pytest.fixture
def rq_queue(settings):
    """RQ on Redis at ``DOWN_REDIS``, on a queue of the test's own; ``back()`` points it at live Redis."""
    import django_rq

    queue = f"louwei-test-{uuid.uuid4().hex[:12]}"

    def point_at(url):
        config = redis_settings(url)
        settings.RQ_QUEUES = {name: {**config["RQ_QUEUES"]["default"]} for name in ("default", queue)}
        settings.TASKS = {
            alias: {**backend, "QUEUES": [queue, "default"]} for alias, backend in config["TASKS"].items()
        }

    point_at(DOWN_REDIS)
    yield type("Queue", (), {"name": queue, "back": staticmethod(lambda url=LIVE_REDIS: point_at(url))})
    point_at(LIVE_REDIS)
    rq = django_rq.get_queue(queue)
    rq.empty()
    rq.delete(delete_jobs=True)


@pytest.mark.django_db(transaction=True)
def test_a_task_enqueued_while_redis_is_down_waits_in_the_outbox_and_runs_when_it_returns(rq_queue, restore_signals):
    on_queue = remember.using(queue_name=rq_queue.name)

    result = on_queue.enqueue("the notice")  # before: redis.exceptions.ConnectionError, the task lost

    row = DBTaskResult.objects.get(pk=result.id)
    assert (row.status, row.backend_name) == (TaskResultStatus.READY, "outbox")
    assert on_queue.get_result(result.id).status == TaskResultStatus.READY
    assert taskqueue.relay_outboxes() == 0, "still down: it stays in the outbox"
    assert DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.READY

    rq_queue.back()
    assert taskqueue.relay_outboxes() == 1
    assert taskqueue.relay_outboxes() == 0, "relayed once"
    assert DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.SUCCESSFUL  # the outbox row is done
    call_command("run_worker", "--batch", "--worker-class", "rq.worker.SimpleWorker", stdout=StringIO(), verbosity=0)

    relayed = on_queue.get_result(str(result.id))  # the same id, now answered by RQ
    assert relayed.status == TaskResultStatus.SUCCESSFUL
    assert relayed.return_value == "ran the notice"


@pytest.mark.django_db(transaction=True)
def test_the_scheduler_keeps_going_while_redis_is_down_and_relays_when_it_returns(rq_queue):
    from louwei.core.models import PeriodicRun

    out = StringIO()
    with freeze_time("2026-11-30 03:17:20+08:00"):
        call_command("run_scheduler", "--once", stdout=out)  # before: the enqueue raised and the pass failed
    waiting = DBTaskResult.objects.filter(backend_name="outbox", status=TaskResultStatus.READY)
    assert waiting.filter(task_path="louwei.core.tasks.prune_task_results").count() == 1
    assert PeriodicRun.objects.filter(job="core.prune_task_results").count() == 1, "the slot is claimed once"

    rq_queue.back(QUIET_REDIS)
    ids = [str(pk) for pk in waiting.values_list("pk", flat=True)]
    try:
        call_command("run_scheduler", "--once", stdout=out)
        assert f"Relayed {len(ids)} task(s)" in out.getvalue()
        assert not waiting.exists()
        import django_rq

        assert set(ids) <= set(django_rq.get_queue("default").get_job_ids())
    finally:
        import django_rq
        from rq.job import Job

        connection = django_rq.get_queue("default").connection
        for job_id in ids:
            if Job.exists(job_id, connection=connection):
                Job.fetch(job_id, connection=connection).delete(remove_from_queue=True)
