"""The production settings refuse unsafe configurations and serve no stored file at a public address."""

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
    unset = {"DEBUG", "REDIS_URL", "SITE_URL", "LOUWEI_X_ACCEL_REDIRECT"}
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update(GOOD)
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings\n"
         "from django.urls import Resolver404, resolve\n"
         "served = []\n"
         "for path in ('/media/floor-leaders/2026/12/' + 'a' * 32 + '.jpg', '/media/notices/1/x.pdf',\n"
         "             '/protected-media/cases/2026/12/x.jpg'):\n"
         "    try:\n        resolve(path); served.append(path)\n"
         "    except Resolver404:\n        pass\n"
         "print(settings.SITE_URL, repr(settings.LOUWEI_X_ACCEL_REDIRECT), served or 'nothing-served')"],
        cwd=Path(settings.BASE_DIR), env=env, capture_output=True, text=True, timeout=120,
    )


def test_production_settings_load_with_a_real_configuration():
    result = run_check()
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["https://louwei.example.gov.cn", "''", "nothing-served"]


def test_production_hands_files_to_nginx_when_told():
    result = run_check(LOUWEI_X_ACCEL_REDIRECT="/protected-media/")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["https://louwei.example.gov.cn", "'/protected-media/'", "nothing-served"]


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
