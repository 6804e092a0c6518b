"""Pages a new user found cramped on a phone (issue 9, part 6), measured at 375 px in Chromium."""

from __future__ import annotations

import pytest

from louwei.accounts.models import RoleKind
from louwei.cases.tests.test_figures import build_dataset
from louwei.notifications import services as notifications
from louwei.testing.factories import UserFactory, grant

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


def test_the_rates_table_says_it_scrolls_sideways_on_a_phone(live_server, phone_page, artifacts):
    """Three of its eight columns showed, with no sign that the others were there."""
    data = build_dataset()
    secretary = UserFactory()
    grant(secretary, RoleKind.COMMITTEE_SECRETARY, data.building)
    page = phone_page
    log_in(page, live_server, secretary)
    page.goto(f"{live_server.url}/buildings/{data.building.code}/cases/dashboard/"
              "?period=custom&start=2026-03&end=2026-03&dim=leader")
    wrap = page.locator(".table-scroll .table-wrap")
    assert page.evaluate("(w) => w.scrollWidth > w.clientWidth", wrap.element_handle()), "the table fits anyway"
    hint = page.locator(".table-scroll-hint")
    assert hint.is_visible() and "8" in hint.inner_text()

    def fade() -> float:
        return page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('.table-scroll'), "
                             "'::after').opacity)")

    assert fade() > 0, "no edge shows that more columns hide to the right"
    page.screenshot(path=artifacts / "rates-phone.png", full_page=True)
    wrap.evaluate("(w) => { w.scrollLeft = w.scrollWidth; }")
    page.wait_for_function("() => document.querySelector('.table-scroll').classList.contains('at-end')")
    # The 楼长 tab names each leader with her floors.
    assert f"{data.leader.name}（1层）" in page.locator(".case-rates tbody").inner_text()
