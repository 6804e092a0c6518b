"""A case's whole journey on phones: a visitor scans into the floor page and raises a case, the
floor leader passes it on, the committee secretary accepts it and dispatches it to the property
company, whose staff replies; the secretary verifies and closes it, and the visitor rates it
through the private link. Each step is a screenshot in the test's tmp dir.

The selectors are ids, names and data-testid attributes, not words: the page language does not
matter to the test."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from louwei.accounts.models import RoleKind
from louwei.cases.models import Case, Rating, Status
from louwei.testing.factories import (
    BuildingFactory,
    FloorFactory,
    FloorLeaderFactory,
    HandlerFactory,
    HandlerMemberFactory,
    UserFactory,
    category,
    grant,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "test-pass-123"
PHONE = {"width": 375, "height": 812}


def phone(browser):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                  locale="zh-CN")
    context.set_default_timeout(15_000)
    return context, context.new_page()


def log_in(page, base, user, next_url):
    page.goto(f"{base}/login/?next={next_url}")
    page.locator('input[name="username"]').fill(user.username)
    page.locator('input[name="password"]').fill(PASSWORD)
    page.locator("main").locator('button[type="submit"]').click()
    expect(page).to_have_url(re.compile(re.escape(next_url) + "$"))


def act(page, action, fill=None):
    """Open the action's panel on the case page, fill it and send it: htmx swaps the case in, the
    page is not reloaded (a marker set on the window survives)."""
    page.evaluate("window.__sameDocument = true")
    panel = page.locator(f"#action-{action}")
    panel.locator("summary").click()
    for selector, value in (fill or {}).items():
        field = panel.locator(selector)
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    panel.locator('button[type="submit"]').click()
    expect(page.locator(f"#action-{action}")).to_have_count(0)
    expect(page.locator("#case .messages")).to_be_visible()
    assert page.evaluate("window.__sameDocument === true"), "the page was reloaded instead of swapped"


def shot(page, tmp_path, name):
    page.screenshot(path=tmp_path / f"{name}.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], f"{name} scrolls sideways"


def test_a_case_from_the_qr_code_to_the_rating(live_server, browser, tmp_path):
    building = BuildingFactory(code="XCFZ-B")
    floor = FloorFactory(building=building, number=5)
    leader = FloorLeaderFactory(floor=floor, user=UserFactory(username="leader5")).user
    secretary = UserFactory(username="secretary")
    grant(secretary, RoleKind.COMMITTEE_SECRETARY, building)
    handler = HandlerFactory(building=building, name="物业服务中心", kind="property")
    worker = HandlerMemberFactory(handler=handler, user=UserFactory(username="worker")).user
    base = live_server.url

    # 1. A visitor scans the QR code at the lift: the floor page, then the raise button.
    visitor, page = phone(browser)
    page.goto(f"{base}/f/{floor.code}/")
    shot(page, tmp_path, "01-floor-page")
    page.locator(f'a[href="/f/{floor.code}/report/"]').first.click()
    expect(page).to_have_url(f"{base}/f/{floor.code}/report/")
    page.locator("#id_category").select_option(str(category("lifts").pk))
    page.locator("#id_description").fill("5楼电梯按钮失灵，按了没有反应。")
    page.locator("#id_name").fill("陈先生")
    shot(page, tmp_path, "02-raise")
    page.locator('main form button[type="submit"]').click()
    number = page.locator('[data-testid="case-number"]').inner_text().strip()
    link = page.locator('[data-testid="private-link"]').input_value()
    assert re.fullmatch(r"\d{8}-\d{4}", number) and f"/t/{number}/" in link
    shot(page, tmp_path, "03-tracking-number")
    case = Case.objects.get(number=number)
    assert case.status == Status.SUBMITTED and case.leader == leader

    # 2. The floor leader logs in, finds it in their queue and passes it on.
    leader_context, page = phone(browser)
    log_in(page, base, leader, "/cases/")
    page.locator(f'a[href="/cases/{number}/"]').first.click()
    shot(page, tmp_path, "04-leader-case")
    act(page, "pass_on", {"#id_pass_on-note": "电梯的事，请委员会派物业处理。"})
    shot(page, tmp_path, "05-passed-on")
    assert Case.objects.get(number=number).status == Status.REFERRED

    # 3. The committee secretary accepts it from the triage, then dispatches to the property company.
    secretary_context, page = phone(browser)
    log_in(page, base, secretary, "/cases/")
    page.locator(f'a[href="/cases/{number}/"]').first.click()
    act(page, "accept", {"#id_accept-handler": ""})
    assert Case.objects.get(number=number).status == Status.ACCEPTED
    expect(page.locator("#id_dispatch-handler")).to_have_value(str(handler.pk))  # the suggested handler
    act(page, "dispatch", {"#id_dispatch-note": "请今天内检修。"})
    shot(page, tmp_path, "06-dispatched")
    assert Case.objects.get(number=number).handler == handler

    # 4. The property company's staff replies.
    worker_context, page = phone(browser)
    log_in(page, base, worker, "/cases/")
    page.locator(f'a[href="/cases/{number}/"]').first.click()
    act(page, "reply", {"#id_reply-text": "已更换按钮面板，电梯恢复正常。"})
    shot(page, tmp_path, "07-replied")
    assert Case.objects.get(number=number).status == Status.REPLIED

    # 5. The secretary verifies and closes it.
    page = secretary_context.pages[0]
    page.goto(f"{base}/cases/{number}/")
    act(page, "close", {"#id_close-text": "已核实，按钮正常。"})
    shot(page, tmp_path, "08-closed")
    assert Case.objects.get(number=number).status == Status.CLOSED

    # 6. The visitor opens the private link and rates it satisfied.
    page = visitor.pages[0]
    page.goto(link)
    expect(page.locator('[data-testid="timeline"]')).to_contain_text("已更换按钮面板")
    page.locator(f'input[name="rating"][value="{Rating.SATISFIED}"]').check()
    page.locator(f'form[action$="/rate/"] button[type="submit"]').click()
    expect(page.locator('form[action$="/rate/"]')).to_have_count(0)
    shot(page, tmp_path, "09-rated")
    case = Case.objects.get(number=number)
    assert case.rating == Rating.SATISFIED and case.status == Status.CLOSED

    for context in (visitor, leader_context, secretary_context, worker_context):
        context.close()
