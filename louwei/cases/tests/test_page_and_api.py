"""The case page and ``/api/v1/cases/`` give each person the same answer (issue 9, part 3): who reads
internal notes and the submitter's contact, what "not yours" looks like, who raises where and how
often, and what a bare case number or the similar-cases hint reveals."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from louwei.api.services import create_token
from louwei.cases import services

from .test_queues import World, make_world

pytestmark = [pytest.mark.django_db]

INTERNAL = "内部备注：先联系物业，再回电。"
PHONE = "13912345678"


@pytest.fixture
def world() -> World:
    return make_world()


def api(user) -> APIClient:
    client = APIClient()
    secret = create_token(actor=user, user=user, name="test").secret
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_ACCEPT_LANGUAGE="en")
    return client


def page_shows(client, user, case) -> tuple[bool, bool]:
    """(internal note shown, submitter's phone shown) on the case page."""
    client.force_login(user)
    html = client.get(f"/cases/{case.number}/").content.decode()
    return INTERNAL in html, PHONE in html


def api_shows(user, case) -> tuple[bool, bool]:
    data = api(user).get(f"/api/v1/cases/{case.number}/").json()
    notes = [e["text"] for e in data["timeline"]]
    return INTERNAL in notes, bool(data["submitter"] and data["submitter"]["phone"] == PHONE)


def test_internal_notes_and_the_contact_follow_one_rule_on_page_and_api(client, world):
    case = world.raise_case(visitor=services.Visitor(phone=PHONE))
    services.accept(actor=world.secretary, case=case, handler=world.handler)
    services.add_note(actor=world.secretary, case=case, text=INTERNAL, public=False)
    expected = {
        "secretary": (True, True), "member": (True, True), "district_staff": (True, True),
        "handler_member": (True, True),
        # Property staff who do not handle the case read the building's cases, not what the submitter
        # was promised only the floor leader and the people handling it see.
        "property_staff": (False, False),
        "employee": (False, False), "contact": (False, False),
    }
    for name, shown in expected.items():
        user = getattr(world, name)
        assert page_shows(client, user, case) == shown, name
        assert api_shows(user, case) == shown, name


def test_a_case_one_may_not_see_is_404_on_page_and_api_alike(client, world):
    case = world.raise_case()
    for user in (world.other_secretary, world.other_handler_member):
        client.force_login(user)
        assert client.get(f"/cases/{case.number}/").status_code == 404
        assert client.get("/cases/20990101-0001/").status_code == 404
        assert client.post(f"/cases/{case.number}/act/note/", {"note-text": "x"}).status_code == 404
        assert api(user).get(f"/api/v1/cases/{case.number}/").status_code == 404
        assert api(user).get("/api/v1/cases/20990101-0001/").status_code == 404


# ---------------------------------------------------------------------------------------------
# Who raises where, and how often


def raise_by_api(user, floor, **data):
    from louwei.testing.factories import category

    payload = {"floor": floor.code, "category": category("repairs").code, "description": "走廊灯不亮，请尽快维修。"}
    return api(user).post("/api/v1/cases/", {**payload, **data}, format="json")


def raise_by_page(client, user, floor, **data):
    from louwei.testing.factories import category

    client.force_login(user)
    payload = {"category": category("repairs").pk, "description": "走廊灯不亮，请尽快维修。"}
    return client.post(f"/cases/new/?floor={floor.code}", {**payload, **data})


def form_refused(response) -> bool:
    """The page answers a refused field with the form again, its error shown (no case raised)."""
    return response.status_code == 200 and 'class="errorlist' in response.content.decode()


def test_raising_follows_the_same_rules_on_page_and_api(client, world):
    from louwei.testing.factories import enterprise_on

    neighbour = enterprise_on(world.floor2)
    # An employee raises on their enterprise's floor, for their own enterprise only.
    assert raise_by_page(client, world.employee, world.floor2, enterprise=world.enterprise.pk).status_code == 302
    assert raise_by_api(world.employee, world.floor2).status_code == 201
    assert form_refused(raise_by_page(client, world.employee, world.floor2, enterprise=neighbour.pk))
    assert raise_by_api(world.employee, world.floor2, enterprise=neighbour.pk).status_code == 400
    # Not on another floor, and not on an enterprise's behalf.
    assert raise_by_page(client, world.employee, world.floor1, enterprise=world.enterprise.pk).status_code == 403
    assert raise_by_api(world.employee, world.floor1).status_code == 403
    assert raise_by_api(world.employee, world.other_building.floors.get(), enterprise=world.enterprise.pk,
                        ).status_code == 403
    assert raise_by_api(world.contact, world.floor2, channel="visit", enterprise=world.enterprise.pk,
                        ).status_code == 403
    # A handler's staff raise nowhere.
    for floor in (world.floor1, world.floor2):
        assert raise_by_page(client, world.handler_member, floor).status_code == 403
        assert raise_by_api(world.handler_member, floor).status_code == 403
    # Staff with CASE_RAISE_FOR raise for an enterprise now on the floor, not one elsewhere.
    assert raise_by_api(world.secretary, world.floor2, channel="visit", enterprise=neighbour.pk).status_code == 201
    assert raise_by_api(world.secretary, world.floor1, channel="visit", enterprise=neighbour.pk).status_code == 400
    assert form_refused(raise_by_page(client, world.secretary, world.floor1, channel="visit",
                                      enterprise=neighbour.pk))


def test_one_raise_limit_per_account_across_page_and_api(client, world, settings):
    settings.LOUWEI_CASE_RAISE_RATE_ACCOUNT = "2/h"
    assert raise_by_page(client, world.employee, world.floor2, enterprise=world.enterprise.pk).status_code == 302
    assert raise_by_api(world.employee, world.floor2).status_code == 201
    refused = raise_by_api(world.employee, world.floor2)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert raise_by_page(client, world.employee, world.floor2, enterprise=world.enterprise.pk).status_code == 429
    # Another person is counted on their own.
    assert raise_by_api(world.contact, world.floor2).status_code == 201


# ---------------------------------------------------------------------------------------------
# What a bare case number or the similar-cases hint reveals


def test_a_plus_one_needs_the_floor_page_and_a_bare_number_tells_nothing(client, world):
    from louwei.cases.models import Case

    case = world.raise_case(description="二楼走廊灯不亮，请尽快维修。")
    closed = world.raise_case(description="二楼空调不制冷。")
    services.pass_on(actor=world.leader, case=world.raise_case(floor=world.floor1), note="")  # another floor's
    Case.objects.filter(pk=closed.pk).update(status="closed")
    other_floor = Case.objects.filter(floor=world.floor1).get()

    def plus_one(number, floor_code=None):
        data = {} if floor_code is None else {"floor": floor_code}
        return client.post(f"/cases/{number}/support/", data)

    answers = {plus_one(n, f).status_code for n, f in (
        (case.number, None), (case.number, world.floor1.code), ("20990101-0001", world.floor2.code),
        (closed.number, world.floor2.code), (other_floor.number, world.floor2.code),
        (other_floor.number, None),
    )}
    assert answers == {404}
    case.refresh_from_db()
    other_floor.refresh_from_db()
    assert case.supporter_count == 0 and other_floor.supporter_count == 0
    assert plus_one(case.number, world.floor2.code).status_code == 302
    case.refresh_from_db()
    assert case.supporter_count == 1


def test_the_similar_cases_hint_masks_names_and_phones(client, world):
    world.raise_case(description="张伟反映：二楼走廊灯不亮，请联系李经理13912345678或zw@example.com。",
                     visitor=services.Visitor(name="张伟"))
    response = client.get("/cases/similar/", {"floor": world.floor2.code, "description": "走廊灯不亮"})
    html = response.content.decode()
    assert "走廊灯" in html
    for personal in ("张伟", "李经理", "13912345678", "zw@example.com"):
        assert personal not in html, personal
    assert f'name="floor" value="{world.floor2.code}"' in html
