"""Pages a new user found cramped on a phone (issue 9, part 6), measured at 375 px in Chromium."""

from __future__ import annotations

import pytest

from louwei.notifications import services as notifications
from louwei.testing.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, user):
    page.goto(f"{live_server.url}/login/")
    page.locator('input[name="username"]').fill(user.username)
    page.locator('input[name="password"]').fill("test-pass-123")
    page.locator("main").get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")


def test_the_inbox_uses_the_phones_width_for_the_message(live_server, phone_page, artifacts):
    """The two buttons stood beside the message and squeezed it into a column of a few characters."""
    me = UserFactory()
    for n in range(3):
        notifications.notify(event="notice.published", recipients=[me], url=f"/x/{n}/", key=f"t:{n}",
                             title=f"新诉求 20261205-000{n}：地下车库月租车位已满，新入驻企业的员工停车难。")
    page = phone_page
    log_in(page, live_server, me)
    page.goto(f"{live_server.url}/inbox/")
    title = page.locator(".inbox-item .list-item-title").first
    row = page.locator(".inbox-item").first
    assert title.bounding_box()["width"] >= 0.8 * row.bounding_box()["width"], "the message is squeezed"
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, "the page scrolls sideways on a phone"
    page.screenshot(path=artifacts / "inbox-phone.png", full_page=True)
