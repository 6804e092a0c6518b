"""The demo building, loaded once per test module (a pytest plugin named in the root conftest.py).

Loading the demo takes many seconds; loading it for each test made the tests that read it cost what a
module of them should. ``demo_loaded`` loads it once per module inside a transaction that is rolled
back at the module's end; ``demo`` gives each test the building inside a savepoint of its own (the
``db`` fixture's), so what a test writes is rolled back before the next one, and a copy of the demo's
files (the floor leaders' portraits) in a media folder of its own. What the load leaves for the
commit (notifications, the library's index) has run, as after ``manage.py load_demo``.

Rules, checked here rather than left to care:

- In a module whose tests use the demo, every database test uses it: the transaction stays open from
  the first such test to the module's end, so a database test beside it that expects an empty database
  would see the demo or not depending on the order. Such a test goes in a module of its own.
- A transactional test (``transaction=True``, ``live_server``) cannot use it: it commits and flushes,
  and a live server's thread, on a connection of its own, would not see uncommitted rows anyway.

A module changes the moment the demo's cases lead up to by defining a module-scoped ``demo_now``.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

DEMO_FIXTURE = "demo_loaded"
DB_FIXTURES = {"db", "transactional_db", "live_server", "django_db_reset_sequences", "django_db_serialized_rollback"}
# As the root conftest sets for each test: loading the demo hashes its one password with these.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

_modules_using_demo = pytest.StashKey[set]()


@dataclass(frozen=True)
class LoadedDemo:
    building_pk: int
    media_root: Path


def _uses_database(item) -> bool:
    return item.get_closest_marker("django_db") is not None or bool(DB_FIXTURES & set(item.fixturenames))


def is_transactional(item) -> bool:
    """Whether pytest-django runs ``item`` as a TransactionTestCase (it commits, then flushes)."""
    marker = item.get_closest_marker("django_db")
    if marker is not None and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")):
        return True
    fixtures = set(getattr(item, "fixturenames", ()))
    return bool({"transactional_db", "live_server", "django_db_reset_sequences"} & fixtures)


def pytest_collection_modifyitems(config, items):
    config.stash[_modules_using_demo] = {item.module.__name__ for item in items
                                         if DEMO_FIXTURE in getattr(item, "fixturenames", ())}


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if not hasattr(item, "fixturenames"):
        return
    uses_demo = DEMO_FIXTURE in item.fixturenames
    if uses_demo and is_transactional(item):
        pytest.fail("The shared demo lives in a transaction that is rolled back; a transactional test "
                    "(transaction=True, live_server) must load the demo itself.", pytrace=False)
    modules = item.config.stash.get(_modules_using_demo, set())
    if not uses_demo and _uses_database(item) and getattr(item, "module", None) is not None \
            and item.module.__name__ in modules:
        pytest.fail(f"{item.module.__name__} loads the shared demo once for its tests, so each of its database "
                    "tests must use it (`demo`); a test that needs a database without the demo goes in a "
                    "module of its own.", pytrace=False)


@pytest.fixture(scope="module")
def demo_now():
    """The moment the demo's cases lead up to; None is the moment of loading. Override per module."""
    return None


@pytest.fixture(scope="module")
def demo_loaded(django_db_setup, django_db_blocker, tmp_path_factory, demo_now):
    """The demo, loaded once for the module in a transaction rolled back at its end."""
    from django.db import connection, transaction
    from django.test import TestCase, override_settings

    from louwei.demo.loader import load_demo

    media_root = tmp_path_factory.mktemp("demo-media")
    outer = transaction.atomic()
    with django_db_blocker.unblock():
        assert not connection.in_atomic_block, "the shared demo must be the outermost transaction"
        outer.__enter__()
        try:
            # As after a real run of ``load_demo``, what waits for the commit has run: notifications
            # sent, policies indexed in the library.
            with override_settings(MEDIA_ROOT=media_root, PASSWORD_HASHERS=PASSWORD_HASHERS), \
                    TestCase.captureOnCommitCallbacks(execute=True):
                building = load_demo(now=demo_now).building
            analyse(connection)
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    # The database stays blocked between tests: only a test that asks for it (``demo`` asks for ``db``)
    # may use the open transaction.
    try:
        yield LoadedDemo(building_pk=building.pk, media_root=media_root)
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def analyse(connection) -> None:
    """Give PostgreSQL's planner the statistics of what was just loaded. Autovacuum never sees rows
    of a transaction that is still open, so without this the planner takes the demo's tables for
    empty and picks plans (nested loops over every delivery) that cost seconds a page; ANALYZE
    counts the rows our own transaction inserted."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


@pytest.fixture
def demo(demo_loaded, db, settings, tmp_path):
    """The demo building, for this test only: its writes are rolled back by the ``db`` fixture's
    savepoint, and its files are a copy in this test's own media folder."""
    from louwei.buildings.models import Building

    media_root = tmp_path / "demo-media"
    shutil.copytree(demo_loaded.media_root, media_root)
    settings.MEDIA_ROOT = media_root
    return Building.objects.get(pk=demo_loaded.building_pk)
