"""The building dashboard in a real Chromium at phone size: the charts draw from the page's JSON
block under the site's Content Security Policy, and the page does not scroll sideways."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from louwei.accounts.models import RoleKind
from louwei.testing.factories import UserFactory, grant

from .test_figures import build_dataset, reseed_categories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"


def test_the_building_dashboard_draws_its_charts_on_a_phone(live_server, browser):
    reseed_categories()
    data = build_dataset()
    secretary = UserFactory()
    grant(secretary, RoleKind.COMMITTEE_SECRETARY, data.building)
    client = Client()
    client.force_login(secretary)
    context = browser.new_context(viewport={"width": 375, "height": 812}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="zh-CN")
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                          "url": live_server.url}])
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    try:
        months = f"period=custom&start=2026-01&end={datetime.date.today():%Y-%m}"
        page.goto(f"{live_server.url}/buildings/{data.building.code}/cases/dashboard/?{months}")
        expect(page.locator("[data-rate=response] .stat-value")).to_have_text("88.9%")
        expect(page.locator("#case-trend canvas")).to_have_count(1)
        expect(page.locator("#case-compare canvas")).to_have_count(1)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, "the page scrolls sideways"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / "cases-dashboard-phone.png", full_page=True)
        # Another tab keeps the period.
        page.locator(".case-tabs a").nth(2).click()
        expect(page.locator(".case-rates tbody tr")).to_have_count(3)
        assert "start=2026-01" in page.url
        expect(page.locator("#case-trend canvas")).to_have_count(1)
    finally:
        context.close()
    assert problems == []
