"""A kind of job of the tests' own ("test.echo"), and people around one building."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import TestCase

from louwei.access import Action
from louwei.accounts.models import RoleKind
from louwei.jobs import kinds, services
from louwei.jobs.models import Job
from louwei.jobs.tasks import run_job
from louwei.testing.factories import BuildingFactory, FloorFactory, UserFactory, grant


class Echo:
    """The test kind: counts four steps (reading its own row after each, as the job page would),
    then writes ``params["text"]`` as a file, or fails as ``params["fail"]`` says."""

    name = "test.echo"

    def __init__(self):
        self.seen: list[tuple] = []

    def run(self, job, progress):
        progress.stage("Counting", 4)
        for step in range(1, 5):
            progress(step, 4)
            self.seen.append(Job.objects.values_list("status", "progress_done", "progress_total", "stage").get(pk=job.pk))
        if job.params.get("fail") == "validation":
            raise ValidationError("The text may not be empty.")
        if job.params.get("fail") == "crash":
            raise RuntimeError("secret internal detail /etc/passwd")
        return kinds.Output(job.params.get("text", "").encode(), "echo.txt", "text/plain", data={"steps": 4})


@pytest.fixture
def echo():
    kind = Echo()
    kinds.register(
        kind.name, label="Echo", action=Action.BUILDING_VIEW, run=kind.run,
        title=lambda building, params: f"Echo of {building.name}", back_url=lambda job: "/buildings/",
    )
    yield kind
    kinds.unregister(kind.name)


@pytest.fixture
def building(db):
    building = BuildingFactory(code="JB-A", name="任务大厦")
    FloorFactory(building=building, number=1)
    return building


@pytest.fixture
def secretary(building):
    user = UserFactory(username="secretary")
    grant(user, RoleKind.COMMITTEE_SECRETARY, building)
    return user


@pytest.fixture
def colleague(building):
    """Another secretary of the same building: the same permissions, not the same jobs."""
    user = UserFactory(username="colleague")
    grant(user, RoleKind.COMMITTEE_SECRETARY, building)
    return user


@pytest.fixture
def tasks_in_database(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def start(user, building, **params) -> Job:
    return services.start(actor=user, kind="test.echo", target=building, params=params)


def run(job) -> Job:
    """Run the job's task as the worker does (outside any transaction: on-commit work happens at once)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        run_job.call(str(job.pk))
    job.refresh_from_db()
    return job
