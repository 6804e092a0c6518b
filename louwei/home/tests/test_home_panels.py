"""The home opens with what waits for the person across the apps, most urgent first (each app
registers its panels in its ``shell`` module): the secretary's cases to accept and to verify, a
handler's new dispatches, a floor leader's new cases and unread notices on her floors, an
enterprise's people's notices and cases with the way to raise one, and the service centre's hours.
Each panel costs a fixed number of queries, whatever the data."""

import re

import pytest

from louwei.cases import services as cases
from louwei.cases.tests.test_queues import make_world
from louwei.centre.models import ServiceCentre
from louwei.core import shell
from louwei.notices import services as notices
from louwei.testing.factories import UserFactory

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def panels(html: str) -> list[str]:
    """The keys of the home's panels, in the order shown."""
    return re.findall(r'<div class="home-panel" id="panel-([a-z-]+)">', html)


def panel(html: str, key: str) -> str:
    part = html[html.index(f'id="panel-{key}"'):]
    return part[:part.index("</section>")]


def home(client, user) -> str:
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def publish(world, title="关于开展消防安全检查的通知"):
    notice = notices.create_draft(actor=world.secretary, scope=world.building, title=title, body="请各企业配合。")
    return notices.publish(actor=world.secretary, notice=notice)


def with_centre(world, **fields):
    return ServiceCentre.objects.create(building=world.building, floor=world.floor1, name="党群服务中心",
                                        **{"opening_hours": "周一至周五 9:00-17:30", **fields})


def test_every_panel_is_registered_by_its_app_and_the_home_names_none():
    keys = {p.key for p in shell.panels()}
    assert {"calendar-missing", "case-queues", "my-cases", "case-figures", "unread-on-my-floors",
            "our-notices", "district", "buildings", "floors", "enterprises", "service-centre"} <= keys
    modules = {p.context.__module__.split(".")[1] for p in shell.panels()}
    assert "home" not in modules


def test_the_secretary_sees_cases_passed_on_and_to_verify_first(client):
    world = make_world()
    passed = world.raise_case(floor=world.floor1, description="一楼楼长转给楼委会的事情。")
    cases.pass_on(actor=world.leader, case=passed, note="需要楼委会协调。")
    replied = world.raise_case(description="需要核查的答复。")
    cases.accept(actor=world.secretary, case=replied, handler=world.handler)
    cases.reply(actor=world.handler_member, case=replied, text="已经修好了，请核查。")
    with_centre(world)
    html = home(client, world.secretary)
    assert panels(html)[0] == "case-queues"
    assert panels(html).index("case-queues") < panels(html).index("buildings")
    queue = html[html.index('id="queue-triage"'):]
    queue = queue[:queue.index("</article>")]
    assert passed.number in queue and replied.number in queue
    parts = dict(re.findall(r'#section-([a-z_]+)">[^<]*<span class="queue-part-count">(\d+)</span>', queue))
    assert parts["referred"] == "1" and parts["replied"] == "1"
    assert "service-centre" in panels(html)


def test_a_handler_sees_a_new_dispatch_first(client):
    world = make_world()
    case = world.raise_case()
    cases.accept(actor=world.secretary, case=case, handler=world.handler)
    html = home(client, world.handler_member)
    assert panels(html)[0] == "case-queues" and case.number in html


def test_a_floor_leader_sees_new_cases_and_unread_notices_on_her_floors_before_her_floors(client):
    world = make_world()
    from louwei.testing.factories import enterprise_on

    on_floor1 = enterprise_on(world.floor1, name="一楼企业")
    case = world.raise_case(floor=world.floor1, description="一楼的新诉求。")
    notice = publish(world)
    html = home(client, world.leader)
    shown = panels(html)
    assert shown[:2] == ["case-queues", "unread-on-my-floors"]
    assert shown.index("unread-on-my-floors") < shown.index("floors")
    unread = html[html.index('id="panel-unread-on-my-floors"'):]
    unread = unread[:unread.index("</section>")]
    assert f'href="/notices/{notice.pk}/"' in unread and "notices/my-floors/" in unread
    # the leader's own enterprise and the one on floor 1 have not read it; floor 2 is not hers
    assert re.search(r"(\d+) enterprises have not read it", unread).group(1) == "2"
    assert case.number in html and on_floor1.name in html
    client.force_login(world.leader)
    assert client.get(f"/notices/{notice.pk}/").status_code == 200


@pytest.mark.parametrize("who", ["employee", "contact"])
def test_enterprise_people_see_unread_notices_their_cases_and_how_to_raise_one(client, who):
    world = make_world()
    user = getattr(world, who)
    notice = publish(world)
    mine = world.raise_case(by=world.employee, description="我们公司的诉求。")
    with_centre(world, on_site_services="每周三下午：社保咨询")
    html = home(client, user)
    shown = panels(html)
    assert shown[0] == "our-notices"
    assert shown.index("my-cases") < shown.index("enterprises") < shown.index("service-centre")
    assert f'href="/notices/{notice.pk}/"' in html and "1 unread" in panel(html, "our-notices")
    assert mine.number in html
    assert 'href="/cases/new/"' in html and "Raise a request" in html
    assert "9:00-17:30" in html and "社保咨询" in html
    # Read: the notice stays listed, no longer first.
    client.get(f"/notices/{notice.pk}/")
    html = client.get("/").content.decode()
    assert "unread" not in panel(html, "our-notices") and panels(html)[0] == "my-cases"
    assert f'href="/notices/{notice.pk}/"' in panel(html, "our-notices")


def test_no_raise_button_where_raising_leads_nowhere(client):
    world = make_world()
    from louwei.buildings.models import Occupancy
    from django.utils import timezone

    Occupancy.objects.filter(enterprise=world.enterprise).update(ended_on=timezone.localdate())
    html = home(client, world.employee)
    assert "my-cases" in panels(html)
    assert 'href="/cases/new/"' not in html


def test_no_centre_panel_without_hours_or_services(client):
    world = make_world()
    ServiceCentre.objects.create(building=world.building, floor=world.floor1, name="党群服务中心")
    assert "service-centre" not in panels(home(client, world.employee))


def test_every_link_on_each_roles_home_answers(client):
    """No button on a home leads to a 403 or a 404."""
    world = make_world()
    publish(world)
    case = world.raise_case(floor=world.floor1)
    cases.pass_on(actor=world.leader, case=case)
    with_centre(world)
    for user in (world.secretary, world.member, world.property_staff, world.district_staff, world.leader,
                 world.handler_member, world.employee, world.contact, UserFactory()):
        html = home(client, user)
        main = html[html.index('<main id="main"'):html.index("</main>")]
        for href in set(re.findall(r'href="(/[^"#]*)', main)):
            if href.startswith(("/static/", "/f/", "/b/")):
                continue
            assert client.get(href, follow=True).status_code == 200, (user, href)


def test_the_enterprise_home_costs_the_same_with_more_notices_and_cases(client, django_assert_max_num_queries):
    world = make_world()
    with_centre(world)
    client.force_login(world.contact)
    client.get("/")
    bound = 15  # the shell, the enterprise's places, notices (list and unread count), cases, raise, centre
    with django_assert_max_num_queries(bound):
        client.get("/")
    for i in range(8):
        publish(world, title=f"通知{i}")
        world.raise_case(description=f"第{i}件诉求，请处理。")
    with django_assert_max_num_queries(bound):
        html = client.get("/").content.decode()
    assert "8 unread" in panel(html, "our-notices")


def test_the_floor_leader_home_costs_the_same_with_more_notices(client, django_assert_max_num_queries):
    world = make_world()
    from louwei.testing.factories import enterprise_on

    client.force_login(world.leader)
    client.get("/")
    bound = 13
    with django_assert_max_num_queries(bound):
        client.get("/")
    for i in range(4):
        enterprise_on(world.floor1)
        publish(world, title=f"通知{i}")
    with django_assert_max_num_queries(bound):
        html = client.get("/").content.decode()
    assert html.count("enterprises have not read it") == 4
