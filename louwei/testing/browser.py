"""Playwright's Chromium for the browser tests of any app: ``from louwei.testing.browser import browser``."""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    """Chromium for the tests of one module.

    While Playwright's sync API runs, the main thread has a running event loop, and Django refuses
    database access from it unless DJANGO_ALLOW_ASYNC_UNSAFE is set. The variable is set only while
    the browser runs (module scope), so it never leaks into other tests, nor into the subprocess of
    the ``check --deploy`` test, where Django would rightly flag it."""
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    assert executable, "Chromium is needed for browser tests: scripts/system-deps.sh installs it"
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous
