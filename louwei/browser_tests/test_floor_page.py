"""A visitor scans the QR code at the lift of floor 5, then the floor's leader logs in — on a phone."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.utils import translation
from playwright.sync_api import expect

from louwei.committee.models import FloorLeader

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_floor_page_then_floor_leader_login_on_a_phone(live_server, phone_page, artifacts):
    call_command("load_demo", verbosity=0)
    leader = FloorLeader.objects.serving().select_related("user", "floor", "enterprise").get(floor__code="XCFZ-B-05")
    with translation.override("zh-hans"):
        floor_label = str(leader.floor.label)
    page = phone_page

    # The public floor page, no login: the leader's name, company and phone.
    page.goto(f"{live_server.url}/f/XCFZ-B-05/")
    expect(page.get_by_role("heading", name=leader.user.name)).to_be_visible()
    expect(page.locator("main")).to_contain_text(leader.enterprise.name)
    expect(page.locator('a[href^="tel:"]').first).to_be_visible()
    expect(page.locator("h1")).to_contain_text(floor_label)
    # The portrait comes through its checked view (no public media address) and is drawn.
    photo = page.locator("img.leader-photo")
    expect(photo).to_have_attribute("src", leader.photo_url)
    page.wait_for_function("() => { const i = document.querySelector('img.leader-photo'); "
                           "return i && i.complete && i.naturalWidth > 0; }")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, "the page scrolls sideways on a phone"
    page.screenshot(path=artifacts / "floor-page-phone.png", full_page=True)

    # The floor leader follows the login link at the bottom of the page.
    login_link = page.get_by_role("link", name="楼长登录")
    login_link.scroll_into_view_if_needed()
    login_link.click()
    expect(page).to_have_url(re.compile(r"/login/\?next=%2Ff%2FXCFZ-B-05%2F$|/login/\?next=/f/XCFZ-B-05/$"))
    page.locator('input[name="username"]').fill("leader")
    page.locator('input[name="password"]').fill("louwei-demo")
    page.screenshot(path=artifacts / "login-phone.png", full_page=True)
    page.locator("main").get_by_role("button", name="登录").click()

    # Back on their floor, now logged in as themselves.
    expect(page).to_have_url(f"{live_server.url}/f/XCFZ-B-05/")
    expect(page.locator(".topbar-user")).to_contain_text(leader.user.name)
    expect(page.locator("h1")).to_contain_text(floor_label)
    expect(page.get_by_role("heading", name=leader.user.name)).to_be_visible()
    page.screenshot(path=artifacts / "floor-page-leader-phone.png", full_page=True)
