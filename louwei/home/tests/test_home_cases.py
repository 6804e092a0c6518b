"""The landing page shows each role's own case queue first, with counts: the floor leader's new
cases, the handler's assignments, the committee's triage."""

import re

import pytest

from louwei.accounts.models import RoleKind
from louwei.cases import services
from louwei.cases.models import Status
from louwei.cases.tests.test_queues import make_world
from louwei.testing.factories import CaseFactory, HandlerMemberFactory, UserFactory

pytestmark = [pytest.mark.django_db]

# A floor leader who is also a committee member and handler staff, on the landing page: the shell
# (session, user, roles, inbox badge), their floors and enterprises, the building summary, the
# handler memberships, rows + count of each of the three queues, and this year's figures as floor
# leader and as handler staff (one query each); the unread notices on their floors and their
# building's service centre (one query each).
LANDING_BOUND = 19


@pytest.fixture(autouse=True)
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def queues(html: str) -> dict[str, tuple[str, list[str]]]:
    """Each queue card on the landing page: its count text and the case numbers listed."""
    result = {}
    for part in html.split('<article class="card" id="queue-')[1:]:
        key = part.split('"', 1)[0]
        card = part.split("</article>", 1)[0]
        count = re.search(r'queue-count">([^<]*)<', card).group(1).strip()
        result[key] = (count, re.findall(r'<span class="case-number">([0-9-]+)</span>', card))
    return result


def test_the_floor_leader_sees_their_floors_new_cases_first(client):
    world = make_world()
    case = world.raise_case(floor=world.floor1, description="一楼的事情需要处理。")
    world.raise_case(description="二楼的事情不归这位楼长。")
    client.force_login(world.leader)
    html = client.get("/").content.decode()
    assert queues(html) == {"leader": ("1 waiting", [case.number])}
    assert html.index('id="case-queues-title"') < html.index('id="floors-title"')


def test_the_handler_sees_its_assignments(client):
    world = make_world()
    case = world.raise_case()
    services.accept(actor=world.secretary, case=case, handler=world.handler)
    client.force_login(world.handler_member)
    html = client.get("/").content.decode()
    assert queues(html) == {"handler": ("1 waiting", [case.number])}
    assert "You have no role yet" not in html


def test_the_committee_sees_its_triage_before_the_building(client):
    world = make_world()
    case = world.raise_case(description="二楼没有楼长，委员会处理。")
    client.force_login(world.secretary)
    html = client.get("/").content.decode()
    assert queues(html) == {"triage": ("1 waiting", [case.number])}
    assert html.index('id="case-queues-title"') < html.index('id="buildings-title"')
    client.force_login(world.other_secretary)
    assert queues(client.get("/").content.decode()) == {"triage": ("0 waiting", [])}


def test_people_without_a_queue_see_none(client):
    world = make_world()
    world.raise_case()
    for user in (world.employee, world.contact, world.property_staff, UserFactory()):
        client.force_login(user)
        assert "case-queues-title" not in client.get("/").content.decode()


def test_a_person_with_several_roles_sees_each_queue(client):
    world = make_world()
    user = world.leader
    from louwei.testing.factories import grant

    grant(user, RoleKind.COMMITTEE_MEMBER, world.building)
    HandlerMemberFactory(handler=world.handler, user=user)
    client.force_login(user)
    assert list(queues(client.get("/").content.decode())) == ["leader", "handler", "triage"]


def test_the_landing_queues_have_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    world = make_world()
    user = world.leader
    from louwei.testing.factories import grant

    grant(user, RoleKind.COMMITTEE_MEMBER, world.building)
    HandlerMemberFactory(handler=world.handler, user=user)
    client.force_login(user)
    with django_assert_max_num_queries(LANDING_BOUND):
        client.get("/")
    for i in range(30):
        CaseFactory(floor=world.floor1, leader=user, handler=world.handler, number=f"20260102-{i + 1:04d}",
                    status=[Status.SUBMITTED, Status.DISPATCHED, Status.REFERRED][i % 3])
    with django_assert_max_num_queries(LANDING_BOUND):
        html = client.get("/").content.decode()
    found = queues(html)
    assert found["leader"][0] == "10 waiting" and len(found["leader"][1]) == 5
    assert found["handler"][0] == "10 waiting" and len(found["handler"][1]) == 5
