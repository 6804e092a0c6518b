"""Fixtures shared by every app's tests (a pytest plugin named in the root conftest.py)."""

import signal

import pytest

from louwei.testing.factories import (
    BuildingFactory,
    FloorFactory,
    FloorLeaderFactory,
    UserFactory,
    enterprise_on,
    grant,
)


@pytest.fixture
def make_building():
    """A building with ``floors`` floors, ``per_floor`` enterprises on each and a serving leader on
    the first ``leaders`` floors (each leader's own enterprise is on their floor too)."""

    def make(*, floors=3, per_floor=1, leaders=1, **kwargs):
        building = BuildingFactory(**kwargs)
        floor_list = [FloorFactory(building=building, number=n) for n in range(1, floors + 1)]
        for floor in floor_list:
            for _ in range(per_floor):
                enterprise_on(floor)
        for floor in floor_list[:leaders]:
            FloorLeaderFactory(floor=floor)
        return building

    return make


@pytest.fixture
def person():
    """A user holding one role: person(kind, scope)."""

    def make(kind=None, scope=None, **kwargs):
        user = UserFactory(**kwargs)
        if kind is not None:
            grant(user, kind, scope)
        return user

    return make



@pytest.fixture
def shell_urls(settings):
    """Serve the project's URLs plus views that raise, for the error pages (louwei/core/tests/urls.py)."""
    settings.ROOT_URLCONF = "louwei.core.tests.urls"


@pytest.fixture
def restore_signals():
    """Workers install their own SIGINT/SIGTERM handlers; put pytest's back afterwards."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)
