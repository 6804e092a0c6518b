"""The notice's staff page shows each person exactly the deliveries, read figures and readers that
``/api/v1/notices/N/deliveries/`` gives them (issue 9, part 3): a floor leader her floors, another
building's secretary none of this building's; drafts and other floors' attachments stay closed."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from louwei.api.services import create_token
from louwei.notices import services

from .test_services import pdf_bytes

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    secret = create_token(actor=user, user=user, name="test").secret
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_ACCEPT_LANGUAGE="en")
    return client


def api_view(user, notice) -> tuple[set[str], set[str], dict | None]:
    """(enterprise names, reader names, read figures) the API gives ``user``."""
    client = api(user)
    detail = client.get(f"/api/v1/notices/{notice.pk}/")
    if detail.status_code != 200:
        return set(), set(), None
    response = client.get(f"/api/v1/notices/{notice.pk}/deliveries/")
    rows = response.json()["results"] if response.status_code == 200 else []
    names = {row["enterprise"]["name"] for row in rows}
    readers = {reader["name"] for row in rows for reader in row["readers"]}
    return names, readers, detail.json()["read_state"]


def page_view(client, user, notice, park, readers) -> tuple[set[str], set[str], dict | None]:
    """The same, as the notice's page shows it (names looked for among the park's)."""
    client.force_login(user)
    response = client.get(f"/notices/{notice.pk}/")
    if response.status_code != 200:
        return set(), set(), None
    html = response.content.decode()
    context = response.context
    names = {e.name for e in park.e.values() if e.name in html}
    shown_readers = {name for name in readers if name in html}
    reach = context.get("reach")
    totals = dict(reach["totals"]) if reach else None
    return names, shown_readers, totals


def test_deliveries_and_readers_on_the_page_are_the_apis(client, park):
    notice = park.notice(park.district, actor=park.district_staff)  # to every enterprise of the district
    services.mark_read(actor=park.employee, notice=notice)  # floor 2 of NA
    services.mark_read(actor=park.other_contact, notice=notice)  # floor 1 of NA
    readers = {park.employee.get_full_name(), park.other_contact.get_full_name()}
    for name in ("district_staff", "secretary", "secretary_b", "member", "leader1", "leader2"):
        user = getattr(park, name)
        on_api = api_view(user, notice)
        on_page = page_view(client, user, notice, park, readers)
        assert on_page == on_api, name
    # What each sees, spelled out for two of them.
    names, shown, totals = page_view(client, park.leader2, notice, park, readers)
    assert names == {park.e["a2_it"].name, park.e["a2_sci"].name}
    assert shown == {park.employee.get_full_name()} and totals == {"reached": 2, "read": 1, "relayed": 0}
    names, shown, totals = page_view(client, park.secretary_b, notice, park, readers)
    assert names == {park.e["b1_it"].name, park.e["b2_sci"].name} and not shown
    # The per-floor figures: only the viewer's floors.
    client.force_login(park.leader2)
    rows = client.get(f"/notices/{notice.pk}/").context["reach"]["by_floor"]
    assert {row["unit__floor_id"] for row in rows} == {park.f("NA", 2).pk}


def test_floor_leaders_open_no_draft_and_no_other_floors_attachment(client, park):
    draft = park.notice(publish=False, actor=park.secretary)
    floor2_only = park.notice(actor=park.secretary, floors=[park.f("NA", 2)])
    attachment = services.add_attachment(actor=park.secretary, notice=floor2_only,
                                         upload=SimpleUploadedFile("第2层.pdf", pdf_bytes()))
    client.force_login(park.leader1)
    assert client.get(f"/notices/{draft.pk}/").status_code in (403, 404)
    assert client.get(f"/notices/{floor2_only.pk}/").status_code in (403, 404)
    assert client.get(f"/notices/attachments/{attachment.pk}/").status_code in (403, 404)
    assert api(park.leader1).get(f"/api/v1/notices/{draft.pk}/").status_code == 404
    assert api(park.leader1).get(f"/api/v1/notices/{floor2_only.pk}/").status_code == 404
    client.force_login(park.leader2)
    assert client.get(f"/notices/{draft.pk}/").status_code in (403, 404)
    assert client.get(f"/notices/attachments/{attachment.pk}/").status_code == 200
