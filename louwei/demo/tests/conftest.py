import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Each test loads the demo and logs in; the production hasher is slow on purpose."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
