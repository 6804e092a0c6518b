import pytest

# Fixtures for every app's tests: Chromium for browser tests; make_building, person, shell_urls; the
# demo building loaded once per module (demo).
pytest_plugins = ["louwei.testing.browser", "louwei.testing.fixtures", "louwei.testing.demo"]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploads made by a test go to a temporary folder, never into var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _plain_static(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2 with production iterations makes each login in a test take ~0.3 s; tests need no strength."""
    from louwei.testing.demo import PASSWORD_HASHERS  # imported here: pytest rewrites the plugin's asserts

    settings.PASSWORD_HASHERS = PASSWORD_HASHERS


@pytest.fixture(autouse=True)
def _fresh_calendar():
    """Each test reads the official calendar's entered years from its own database, not from the
    copy a previous test's (rolled back) database left in this process."""
    from louwei.core import workdays

    workdays.forget()
    yield
    workdays.forget()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A transactional test (live server, threads) ends by flushing every table, which also empties
    the data that migrations seed (the default case categories and deadline rules). Seed it again
    once the flush is done, so the tests that run after it in this process find what a migrated
    database holds, whatever order the tests run in."""
    from louwei.testing.demo import is_transactional

    yield
    # After the last test the session's teardown has already dropped the test database.
    if nextitem is None or not is_transactional(item):
        return
    from importlib import import_module

    from django.apps import apps
    from pytest_django.plugin import blocking_manager_key

    with item.config.stash[blocking_manager_key].unblock():
        import_module("louwei.cases.migrations.0002_default_categories").seed(apps, None)


# The longest files first: pytest-xdist's --dist loadfile hands files to the workers in collection
# order, so the hostile walk and Schemathesis (minutes each on PostgreSQL), collected last, would
# otherwise start last and leave one worker running them alone at the end of the run.
SLOW_FILES = ("louwei/tests/hostile/", "louwei/api/tests/test_schemathesis.py")


def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: not item.nodeid.startswith(SLOW_FILES))
