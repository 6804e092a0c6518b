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
    secret = create_token(actor=None, user=user, name="test").secret
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

