import pytest

from louwei.testing.fixtures import make_building, person  # noqa: F401 (fixtures)


@pytest.fixture
def shell_urls(settings):
    """Serve the project's URLs plus views that raise, for the error pages (see tests/urls.py)."""
    settings.ROOT_URLCONF = "louwei.core.tests.urls"
