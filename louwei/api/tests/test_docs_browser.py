"""The docs pages in a real Chromium, under the site's Content Security Policy: Swagger UI renders every
operation, no request leaves the site and the browser reports no CSP violation."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

def open_page(browser, url):
    context = browser.new_context()
    context.set_default_timeout(20_000)
    page = context.new_page()
    seen = {"requests": [], "console": [], "violations": []}
    page.on("request", lambda r: seen["requests"].append(r.url))
    page.on("console", lambda m: seen["console"].append(f"{m.type}: {m.text}"))
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "{ (window.__csp = window.__csp || []).push(e.violatedDirective + ' ' + e.blockedURI); });"
    )
    page.goto(url)
    return context, page, seen


def test_swagger_ui_renders_under_the_csp(live_server, browser):
    context, page, seen = open_page(browser, f"{live_server.url}/api/v1/docs/")
    try:
        page.locator(".opblock").first.wait_for()
        paths = page.locator(".opblock-summary-path").all_inner_texts()
        assert any("/api/v1/enterprises/" in p for p in paths), paths
        assert any("/api/v1/notices/" in p for p in paths), paths
        violations = page.evaluate("window.__csp || []")
    finally:
        context.close()
    origin = urlsplit(live_server.url).netloc
    foreign = [u for u in seen["requests"] if not u.startswith("data:") and urlsplit(u).netloc != origin]
    assert foreign == [], foreign
    assert violations == [], violations
    assert not [m for m in seen["console"] if "Content Security Policy" in m], seen["console"]

