"""The demo's links and QR codes carry the address it runs at: `make run PORT=8031` serves on 8031,
and the posters the worker draws must point there, not at the default 8000."""

import os
import subprocess
from pathlib import Path

import pytest
from django.conf import settings


def dry_run(*args: str, **env: str) -> list[str]:
    """The commands `make -n ARGS` would run (nothing is run)."""
    clean = {k: v for k, v in os.environ.items() if k not in {"SITE_URL", "PORT", "MAKEFLAGS", "MAKELEVEL"}}
    result = subprocess.run(["make", "-n", *args], cwd=Path(settings.BASE_DIR), env={**clean, **env},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def line_with(lines: list[str], word: str) -> str:
    found = [line for line in lines if word in line]
    assert found, f"no command with {word!r} in {lines}"
    return found[-1]


def test_make_run_with_another_port_gives_every_process_that_address():
    # honcho hands each process its own PORT (web 8031, worker 8131, scheduler 8231): the site's
    # address must be set once for all of them, from the PORT the web server listens on.
    lines = dry_run("run", "PORT=8031")
    assert "SITE_URL=http://127.0.0.1:8031 " in line_with(lines, "honcho")
    assert "--url http://127.0.0.1:8031/" in line_with(lines, "demo_logins")


@pytest.mark.parametrize("target", ["web", "worker", "scheduler"])
def test_each_process_alone_gets_the_address_too(target):
    assert "SITE_URL=http://127.0.0.1:8031 " in line_with(dry_run(target, "PORT=8031"), "manage.py")


def test_a_site_url_given_by_hand_wins():
    lines = dry_run("run", "PORT=8031", SITE_URL="http://192.168.1.20:8031")
    assert "SITE_URL=http://192.168.1.20:8031 " in line_with(lines, "honcho")
