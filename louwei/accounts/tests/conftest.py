import pytest


@pytest.fixture
def shell_urls(settings):
    """Serve the project's URLs plus views that raise, for the error pages (core/tests/urls.py)."""
    settings.ROOT_URLCONF = "louwei.core.tests.urls"

