import pytest


@pytest.fixture
def shell_urls(settings):
    """Serve the project's URLs plus stand-ins for agreed URL names not written yet (core/tests/urls.py)."""
    settings.ROOT_URLCONF = "louwei.core.tests.urls"

