"""GET requests, GET a request and GET a token, in JSON and XML: keys, filters, limits and errors.
The cases are written directly (CaseFactory): these endpoints only read."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from freezegun import freeze_time

from louwei.cases.models import CaseEvent, EventKind, Status
from louwei.testing.factories import CaseFactory, HandlerFactory, category

from .conftest import BASE, json_errors, parse, xml_errors, xml_items

NOW = datetime.datetime(2026, 11, 29, 10, 0, tzinfo=datetime.timezone.utc)


@pytest.fixture
def cases(site):
    """In the east: an open repair on floor 2 (dispatched, with a public reply and an internal note),
    a closed lift case, a merged one, and one from 100 days ago; in the west: an open case."""
    with freeze_time(NOW):
        handler = HandlerFactory(building=site.a, name="新城物业")
        open_case = CaseFactory(
            floor=site.a_floors[2], number="20261129-0001", status=Status.DISPATCHED, handler=handler,
            description="二楼走廊灯不亮", submitter_name="张三", submitter_phone="13912345678",
            submitter_email="zhang@example.com", submitted_at=NOW - datetime.timedelta(hours=3),
        )
        CaseEvent.objects.create(case=open_case, kind=EventKind.DISPATCHED, text="已派物业处理",
                                 created_at=NOW - datetime.timedelta(hours=2))
        CaseEvent.objects.create(case=open_case, kind=EventKind.NOTE, text="内部：电工周一到", is_public=False,
                                 created_at=NOW - datetime.timedelta(hours=1))
        closed = CaseFactory(
            floor=site.a_floors[1], number="20261120-0002", category=category("lifts"), status=Status.CLOSED,
            submitted_at=NOW - datetime.timedelta(days=9), closed_at=NOW - datetime.timedelta(days=8),
        )
        merged = CaseFactory(floor=site.a_floors[3], number="20261125-0003", status=Status.MERGED,
                             merged_into=closed, submitted_at=NOW - datetime.timedelta(days=4))
        old = CaseFactory(floor=site.a_floors[1], number="20260821-0004",
                          submitted_at=NOW - datetime.timedelta(days=100))
        west = CaseFactory(floor=site.b_floors[1], number="20261128-0005",
                           submitted_at=NOW - datetime.timedelta(days=1))
    return {"open": open_case, "closed": closed, "merged": merged, "old": old, "west": west}


def numbers(response):
    assert response.status_code == 200, response.content
    data = parse(response)
    if isinstance(data, list):
        return [r["service_request_id"] for r in data]
    assert data.tag == "service_requests"
    return [r["service_request_id"] for r in xml_items(data, "request")]


@freeze_time(NOW)
def test_requests_json_fields(client, secrets, cases):
    response = client.get(f"{BASE}/requests.json", {"api_key": secrets["everywhere"]}, HTTP_ACCEPT_LANGUAGE="en")
    data = parse(response)
    # The last 90 days by default, newest first; the 100-day-old case is left out.
    assert [r["service_request_id"] for r in data] == [
        "20261129-0001", "20261128-0005", "20261125-0003", "20261120-0002"]
    first = data[0]
    assert first == {
        "service_request_id": "20261129-0001",
        "status": "open",
        "status_notes": "已派物业处理",  # the latest public text; the internal note is never shown
        "service_name": "Repairs",
        "service_code": "repairs",
        "description": "二楼走廊灯不亮",
        "agency_responsible": "新城物业",
        "service_notice": "Being handled",
        "requested_datetime": "2026-11-29T15:00:00+08:00",
        "updated_datetime": "2026-11-29T18:00:00+08:00",
        "expected_datetime": first["expected_datetime"],
        "address": "新城发展大厦B座 2F",
        "address_id": "XCFZ-B-02",
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }
    assert first["expected_datetime"].endswith("+08:00")
    body = response.content.decode()
    assert "张三" not in body and "13912345678" not in body and "zhang@example.com" not in body
    assert "内部" not in body
    statuses = {r["service_request_id"]: r["status"] for r in data}
    assert statuses["20261120-0002"] == "closed" and statuses["20261125-0003"] == "closed"
    closed = next(r for r in data if r["service_request_id"] == "20261120-0002")
    assert closed["updated_datetime"] == "2026-11-21T18:00:00+08:00"  # the time it was closed


@freeze_time(NOW)
def test_requests_xml(client, secrets, cases):
    response = client.get(f"{BASE}/requests.xml", {"api_key": secrets["everywhere"]}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    root = parse(response)
    assert root.tag == "service_requests"
    requests = xml_items(root, "request")
    assert [r["service_request_id"] for r in requests][0] == "20261129-0001"
    first = requests[0]
    assert first["status"] == "open" and first["service_name"] == "维修" and first["address_id"] == "XCFZ-B-02"
    assert first["lat"] is None and first["media_url"] is None and first["agency_responsible"] == "新城物业"
    assert "张三" not in response.content.decode()


@freeze_time(NOW)
def test_reading_requests_needs_a_valid_key(client, secrets, cases, settings):
    for params in ({}, {"api_key": "not-a-key"}, {"api_key": secrets["revoked"]}):
        response = client.get(f"{BASE}/requests.json", params)
        assert response.status_code == 403
        assert json_errors(response)[0][0] == 403
        response = client.get(f"{BASE}/requests/20261129-0001.xml", params)
        assert response.status_code == 403
        assert xml_errors(response)[0][0] == 403
    settings.LOUWEI_OPEN311_PUBLIC_READ = True
    assert len(numbers(client.get(f"{BASE}/requests.json"))) == 4
    # A bad key is refused even when reading is public.
    assert client.get(f"{BASE}/requests.json", {"api_key": "not-a-key"}).status_code == 403


@freeze_time(NOW)
def test_a_district_key_reads_its_district_only(client, secrets, cases):
    assert numbers(client.get(f"{BASE}/requests.json", {"api_key": secrets["west"]})) == ["20261128-0005"]
    assert "20261128-0005" not in numbers(client.get(f"{BASE}/requests.xml", {"api_key": secrets["east"]}))
    response = client.get(f"{BASE}/requests/20261129-0001.json", {"api_key": secrets["west"]})
    assert response.status_code == 404
    response = client.get(f"{BASE}/requests.json", {"api_key": secrets["west"], "jurisdiction_id": "D-EAST"})
    assert response.status_code == 403


@freeze_time(NOW)
def test_jurisdiction_filters_a_key_for_every_district(client, secrets, cases):
    key = secrets["everywhere"]
    assert numbers(client.get(f"{BASE}/requests.json", {"api_key": key, "jurisdiction_id": "d-west"})) == [
        "20261128-0005"]
    response = client.get(f"{BASE}/requests.json", {"api_key": key, "jurisdiction_id": "atlantis"})
    assert response.status_code == 404


@freeze_time(NOW)
def test_filters(client, secrets, cases):
    key = secrets["east"]

    def ask(**params):
        return numbers(client.get(f"{BASE}/requests.json", {"api_key": key, **params}))

    assert ask(status="open") == ["20261129-0001"]
    assert ask(status="closed") == ["20261125-0003", "20261120-0002"]
    assert ask(status="open,closed") == ["20261129-0001", "20261125-0003", "20261120-0002"]
    assert ask(service_code="lifts") == ["20261120-0002"]
    assert ask(service_code="lifts,repairs", status="open") == ["20261129-0001"]
    assert ask(start_date="2026-11-24T00:00:00+08:00") == ["20261129-0001", "20261125-0003"]
    assert ask(start_date="2026-11-01T00:00:00Z", end_date="2026-11-26T00:00:00Z") == [
        "20261125-0003", "20261120-0002"]
    assert ask(end_date="2026-08-22T00:00:00Z") == ["20260821-0004"]  # 90 days before the end date
    assert ask(start_date="2026-08-20", end_date="2026-08-22") == ["20260821-0004"]
    # service_request_id overrides every other argument.
    assert ask(service_request_id="20260821-0004, 20261129-0001", status="closed") == [
        "20261129-0001", "20260821-0004"]
    assert ask(service_request_id="20261128-0005") == []  # another district's


@freeze_time(NOW)
@pytest.mark.parametrize("params, fragment", [
    ({"start_date": "yesterday"}, "start_date must be a W3C date-time"),
    ({"end_date": "2026-13-01T00:00:00Z"}, "end_date must be a W3C date-time"),
    ({"start_date": "2026-11-01T00:00:00"}, "must include its time zone"),
    ({"start_date": "2026-11-20T00:00:00Z", "end_date": "2026-11-10T00:00:00Z"}, "before end_date"),
    ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-11-10T00:00:00Z"}, "at most 90 days"),
    ({"status": "pending"}, "status must be open, closed"),
    ({"service_code": "repairs,potholes"}, "service_code “potholes” was not found"),
])
def test_bad_search_arguments_are_400(client, secrets, cases, params, fragment):
    for fmt in ("json", "xml"):
        response = client.get(f"{BASE}/requests.{fmt}", {"api_key": secrets["east"], **params})
        assert response.status_code == 400
        errors = json_errors(response) if fmt == "json" else xml_errors(response)
        assert errors[0][0] == 400 and fragment in errors[0][1], errors


@freeze_time(NOW)
def test_at_most_1000_requests(client, secrets, site):
    CaseFactory.create_batch(1003, floor=site.a_floors[1], submitted_at=NOW - datetime.timedelta(days=1))
    assert len(numbers(client.get(f"{BASE}/requests.json", {"api_key": secrets["east"]}))) == 1000


@freeze_time(NOW)
def test_requests_query_count_is_fixed(client, secrets, site, cases, django_assert_max_num_queries):
    params = {"api_key": secrets["east"]}
    with django_assert_max_num_queries(4):
        assert len(numbers(client.get(f"{BASE}/requests.xml", params))) == 3
    more = CaseFactory.create_batch(40, floor=site.a_floors[3], handler=HandlerFactory(building=site.a),
                                    status=Status.DISPATCHED, submitted_at=NOW - datetime.timedelta(days=2))
    for case in more[:10]:
        CaseEvent.objects.create(case=case, kind=EventKind.REPLIED, text="已处理")
    with django_assert_max_num_queries(4):
        assert len(numbers(client.get(f"{BASE}/requests.xml", params))) == 43


@freeze_time(NOW)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_one_request(client, secrets, cases, fmt):
    response = client.get(f"{BASE}/requests/20261120-0002.{fmt}", {"api_key": secrets["everywhere"]})
    assert numbers(response) == ["20261120-0002"]
    response = client.get(f"{BASE}/requests/20991231-9999.{fmt}", {"api_key": secrets["everywhere"]})
    assert response.status_code == 404
    errors = json_errors(response) if fmt == "json" else xml_errors(response)
    assert errors == [(404, "service_request_id “20991231-9999” was not found.")]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_token_gives_the_request_id_without_a_key(client, cases, fmt):
    case = cases["open"]
    response = client.get(f"{BASE}/tokens/{case.public_id}.{fmt}")
    assert response.status_code == 200
    data = parse(response)
    if fmt == "json":
        assert data == [{"service_request_id": case.number, "token": str(case.public_id)}]
    else:
        assert xml_items(data, "request") == [{"service_request_id": case.number, "token": str(case.public_id)}]
    for bad in ("00000000-0000-0000-0000-000000000000", "not-a-token"):
        response = client.get(f"{BASE}/tokens/{bad}.{fmt}")
        assert response.status_code == 404
        errors = json_errors(response) if fmt == "json" else xml_errors(response)
        assert errors[0][0] == 404


def test_default_window_ends_now(client, secrets, site):
    CaseFactory(floor=site.a_floors[1], number="20261129-0009", submitted_at=timezone.now())
    assert numbers(client.get(f"{BASE}/requests.json", {"api_key": secrets["east"]})) == ["20261129-0009"]
