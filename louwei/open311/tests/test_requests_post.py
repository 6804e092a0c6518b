"""POST requests: a client system files a case on a floor with its key. Every error case of the standard.
The case is raised through ``louwei.cases.services.raise_case`` (the floor leader is told)."""

from __future__ import annotations

import pytest

from louwei.cases.models import Case, Channel, Status
from louwei.core.models import AuditEvent
from louwei.notifications.models import Message
from louwei.open311.models import ClientKey

from .conftest import BASE, json_errors, parse, xml_errors, xml_items


def form(secret, **overrides):
    data = {
        "api_key": secret, "service_code": "repairs", "address_id": "XCFZ-B-02",
        "description": "二楼男卫生间水龙头漏水", "first_name": "三", "last_name": "张",
        "phone": "13912345678", "email": "zhang@example.com",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def errors_of(response, fmt):
    return json_errors(response) if fmt == "json" else xml_errors(response)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_creates_a_case_on_the_floor_and_tells_its_leader(client, site, secrets, fmt,
                                                               django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{BASE}/requests.{fmt}", form(secrets["east"], address_id="xcfz-b-02"),
                               HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200, response.content
    case = Case.objects.get()
    if fmt == "json":
        (row,) = parse(response)
    else:
        root = parse(response)
        assert root.tag == "service_requests"
        (row,) = xml_items(root, "request")
    assert row["service_request_id"] == case.number
    assert row["token"] == str(case.public_id)
    assert case.number in row["service_notice"] and "XCFZ-B-02" in row["service_notice"]
    assert row["account_id"] is None
    assert case.floor == site.a_floors[2] and case.building == site.a
    assert case.channel == Channel.OPEN311 and case.source == "East hotline"
    assert case.status == Status.SUBMITTED and case.category.code == "repairs"
    assert case.submitted_by is None and case.raised_by is None
    assert case.submitter_name == "张三" and case.submitter_phone == "13912345678"
    assert case.submitter_email == "zhang@example.com"
    assert case.leader == site.leader.user
    assert Message.objects.filter(user=site.leader.user, event="case.new").exists()
    assert ClientKey.objects.get(name="East hotline").last_used_at is not None


def test_the_token_and_the_request_read_back(client, site, secrets):
    row = parse(client.post(f"{BASE}/requests.json", form(secrets["everywhere"])))[0]
    by_token = parse(client.get(f"{BASE}/tokens/{row['token']}.json"))
    assert by_token == [{"service_request_id": row["service_request_id"], "token": row["token"]}]
    (read,) = parse(client.get(f"{BASE}/requests/{row['service_request_id']}.json",
                               {"api_key": secrets["everywhere"]}))
    assert read["status"] == "open" and read["address_id"] == "XCFZ-B-02"
    assert "张三" not in str(read) and "13912345678" not in str(read)


def test_enterprise_attribute_links_the_tenant(client, site, secrets):
    enterprise = site.a_enterprises[2]
    response = client.post(f"{BASE}/requests.json",
                           form(secrets["east"], **{"attribute[enterprise_uscc]": enterprise.uscc.lower()}))
    assert response.status_code == 200, response.content
    assert Case.objects.get().enterprise == enterprise
    # The enterprise of another floor is refused.
    response = client.post(f"{BASE}/requests.json",
                           form(secrets["east"], **{"attribute[enterprise_uscc]": site.a_enterprises[3].uscc}))
    assert response.status_code == 400
    assert "is a tenant of floor XCFZ-B-02" in json_errors(response)[0][1]
    response = client.post(f"{BASE}/requests.json", form(secrets["east"], **{"attribute[WHISPAWN]": "1"}))
    assert response.status_code == 400
    assert json_errors(response) == [(400, "Unknown attribute “WHISPAWN”: see the service definition.")]


def test_media_url_is_not_kept(client, site, secrets):
    url = "http://example.com/photo.jpg"
    response = client.post(f"{BASE}/requests.json", form(secrets["east"], media_url=url))
    assert response.status_code == 200
    case = Case.objects.get()
    assert url not in case.description and not case.photos.exists()
    assert not case.events.filter(text__contains=url).exists()


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("key, status, fragment", [
    (None, 403, "api_key is required"),
    ("", 403, "api_key is required"),
    ("made-up-key", 403, "Invalid api_key"),
    ("revoked", 403, "Invalid api_key"),
    ("west", 403, "only in the buildings of D-WEST"),
])
def test_key_errors(client, site, secrets, fmt, key, status, fragment):
    secret = secrets.get(key, key)
    response = client.post(f"{BASE}/requests.{fmt}", form(secret))
    assert response.status_code == status
    ((code, description),) = errors_of(response, fmt)
    assert code == status and fragment in description
    assert not Case.objects.exists()


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("overrides, status, fragment", [
    ({"service_code": None}, 400, "service_code is required"),
    ({"service_code": "potholes"}, 404, "service_code “potholes” was not found"),
    ({"service_code": "building-services"}, 404, "was not found"),  # a group, not a service
    ({"address_id": None}, 400, "address_id is required"),
    ({"address_id": None, "lat": "37.5", "long": "121.4"}, 400, "Requests are filed per floor"),
    ({"address_id": None, "address_string": "新城发展大厦B座2楼"}, 400, "Requests are filed per floor"),
    ({"address_id": "XCFZ-B-99"}, 400, "is not a floor code we know"),
    ({"description": "  "}, 400, "description is required"),
    ({"description": "长" * 2001}, 400, "at most 2000 characters"),
    ({"email": "not-an-address"}, 400, "email is not a valid"),
    ({"phone": "12345"}, 400, "phone: "),  # the service's own check, named by its field
    ({"jurisdiction_id": "D-WEST"}, 400, "is not in jurisdiction D-WEST"),
    ({"jurisdiction_id": "atlantis"}, 404, "jurisdiction_id “atlantis” was not found"),
])
def test_request_errors(client, site, secrets, fmt, overrides, status, fragment):
    response = client.post(f"{BASE}/requests.{fmt}", form(secrets["everywhere"], **overrides))
    assert response.status_code == status
    errors = errors_of(response, fmt)
    assert errors[0][0] == status and fragment in errors[0][1], errors
    assert not Case.objects.exists()


def test_post_needs_no_csrf_token(site, secrets):
    from django.test import Client

    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    assert client.post(f"{BASE}/requests.json", form(secrets["east"])).status_code == 200


def test_posting_is_rate_limited_per_key(client, site, secrets, settings):
    settings.LOUWEI_OPEN311_RATE = "2/m"
    for _ in range(2):
        assert client.post(f"{BASE}/requests.json", form(secrets["east"])).status_code == 200
    response = client.post(f"{BASE}/requests.xml", form(secrets["east"]))
    assert response.status_code == 429
    assert xml_errors(response)[0][0] == 429
    # Another key is not affected.
    assert client.post(f"{BASE}/requests.json", form(secrets["everywhere"])).status_code == 200
    assert Case.objects.count() == 3


def test_the_case_is_audited(client, site, secrets):
    client.post(f"{BASE}/requests.json", form(secrets["east"]))
    case = Case.objects.get()
    assert AuditEvent.objects.filter(target_id=str(case.pk)).exists()
