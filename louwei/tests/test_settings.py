"""The production settings refuse unsafe configurations; media is served only where configured."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

GOOD = {
    "DJANGO_SETTINGS_MODULE": "louwei.settings.production",
    "SECRET_KEY": "x" * 20 + "a-real-secret-of-sixty-characters-for-this-test-x",
    "ALLOWED_HOSTS": "louwei.example.gov.cn",
    "SITE_URL": "https://louwei.example.gov.cn",
}


def run_check(**overrides):
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "REDIS_URL", "SITE_URL"}}
    env.update(GOOD)
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings\n"
         "from django.urls import Resolver404, resolve\n"
         "try:\n    resolve('/media/floor-leaders/x.jpg'); media = 'served'\n"
         "except Resolver404:\n    media = 'not-served'\n"
         "print(settings.SITE_URL, settings.LOUWEI_SERVE_MEDIA, media)"],
        cwd=Path(settings.BASE_DIR), env=env, capture_output=True, text=True, timeout=120,
    )


def test_production_settings_load_with_a_real_configuration():
    result = run_check()
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["https://louwei.example.gov.cn", "False", "not-served"]


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"SITE_URL": None}, "SITE_URL"),
        ({"SITE_URL": "http://127.0.0.1:8000"}, "SITE_URL"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS"),
    ],
)
def test_production_settings_refuse_unsafe_configuration(overrides, message):
    result = run_check(**overrides)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr


@pytest.mark.django_db
def test_media_is_served_in_the_laptop_demo(client, settings, tmp_path):
    photo = Path(settings.MEDIA_ROOT) / "floor-leaders" / "x.jpg"
    photo.parent.mkdir(parents=True, exist_ok=True)
    photo.write_bytes(b"\xff\xd8\xff")
    assert client.get("/media/floor-leaders/x.jpg").status_code == 200
