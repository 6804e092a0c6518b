"""Each role's home on a phone (375 px): the waiting work first, and nothing wider than the screen."""

from __future__ import annotations

import pytest

from louwei.cases import services as cases
from louwei.cases.tests.test_queues import make_world
from louwei.centre.models import ServiceCentre
from louwei.notices import services as notices

from .test_phone_layout import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_each_roles_home_fits_a_phone_with_the_waiting_work_first(live_server, phone_page, artifacts):
    world = make_world()
    notice = notices.create_draft(actor=world.secretary, scope=world.building, title="关于开展消防安全检查的通知",
                                  body="请各企业配合。")
    notices.publish(actor=world.secretary, notice=notice)
    passed = world.raise_case(floor=world.floor1, description="一楼楼长转给楼委会的事情。")
    cases.pass_on(actor=world.leader, case=passed)
    ServiceCentre.objects.create(building=world.building, floor=world.floor1, name="党群服务中心",
                                 opening_hours="周一至周五 9:00-17:30", on_site_services="每周三下午：社保咨询")
    first = {"secretary": "panel-case-queues", "employee": "panel-our-notices", "leader": "panel-unread-on-my-floors"}
    for name, panel in first.items():
        page = phone_page
        page.context.clear_cookies()
        log_in(page, live_server, getattr(world, name))
        assert page.locator(".home-panel").first.get_attribute("id") == panel
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, name
        page.screenshot(path=artifacts / f"home-{name}-phone.png", full_page=True)
