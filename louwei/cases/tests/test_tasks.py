"""The periodic deadline job: registered every 5 minutes, enqueued once per slot, and running the
deadline check (idempotent) when the worker calls it."""

import datetime
import zoneinfo

import pytest
from freezegun import freeze_time

from louwei.cases import services
from louwei.cases.models import Case
from louwei.cases.tasks import check_deadlines
from louwei.core import periodic
from louwei.core.models import PeriodicRun

from .services_world import raise_by, world  # noqa: F401

pytestmark = pytest.mark.django_db
SH = zoneinfo.ZoneInfo("Asia/Shanghai")


def test_registered_every_five_minutes():
    job = periodic.registry.get("cases.check_deadlines")
    assert job.cron == "*/5 * * * *" and job.task is check_deadlines
    now = datetime.datetime(2026, 11, 30, 10, 7, tzinfo=SH)
    assert job.latest_slot(now) == datetime.datetime(2026, 11, 30, 10, 5, tzinfo=SH)
    assert job.next_slot(now) == datetime.datetime(2026, 11, 30, 10, 10, tzinfo=SH)


def test_scheduler_enqueues_one_run_per_slot():
    registry = periodic.Registry()
    registry.register("cases.check_deadlines", "*/5 * * * *", check_deadlines)
    now = datetime.datetime(2026, 11, 30, 10, 5, 20, tzinfo=SH)
    assert len(registry.run_pending(now)) == 1
    assert registry.run_pending(now + datetime.timedelta(seconds=30)) == []
    assert PeriodicRun.objects.filter(job="cases.check_deadlines").count() == 1


def test_the_task_checks_the_deadlines_once(world, django_capture_on_commit_callbacks):
    with freeze_time("2026-11-30 10:00:00+08:00"):
        case = raise_by(world, code="lifts")
        case = services.accept(actor=world.secretary, case=case, handler=world.handler)
    with freeze_time("2026-12-01 10:00:00+08:00"), django_capture_on_commit_callbacks(execute=True):
        first = check_deadlines.call()
        second = check_deadlines.call()
    assert first["overdue"] == 1 and second == {"reminded": 0, "overdue": 0, "escalated": 0, "unanswered": 0}
    assert Case.objects.get(pk=case.pk).escalation_level == 1
