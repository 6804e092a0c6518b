"""Discovery, the service list and the service definitions, in JSON and XML; formats and methods."""

from __future__ import annotations

import pytest

from louwei.cases.models import Category
from louwei.testing.factories import category

from .conftest import BASE, json_errors, parse, xml_errors, xml_items


def test_discovery_json(client, site):
    response = client.get(f"{BASE}/discovery.json")
    assert response.status_code == 200
    data = parse(response)
    assert set(data) == {"changeset", "contact", "key_service", "endpoints"}
    assert "/open311/keys/" in data["key_service"]
    (endpoint,) = data["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["type"] == "production"
    assert endpoint["formats"] == ["text/xml", "application/json"]


def test_discovery_xml(client, site):
    root = parse(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    assert root.findtext("changeset") and root.findtext("contact")
    endpoint = root.find("endpoints/endpoint")
    assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint.findtext("url") == "http://testserver/open311/v2"
    assert [f.text for f in endpoint.findall("formats/format")] == ["text/xml", "application/json"]


def test_services_are_the_active_leaf_categories(client, site):
    data = parse(client.get(f"{BASE}/services.json", HTTP_ACCEPT_LANGUAGE="en"))
    codes = [s["service_code"] for s in data]
    # Building services is a group, not a service; its children are services.
    assert "building-services" not in codes
    assert {"repairs", "lifts", "cleaning", "safety", "opinions", "other"} <= set(codes)
    repairs = next(s for s in data if s["service_code"] == "repairs")
    assert repairs["service_name"] == "Repairs"
    assert repairs["group"] == "Building services"
    assert repairs["metadata"] is True and repairs["type"] == "realtime"
    assert "维修" in repairs["keywords"] and "Repairs" in repairs["keywords"]
    safety = next(s for s in data if s["service_code"] == "safety")
    assert safety["group"] is None  # a top-level category has no group


def test_services_follow_the_request_language_and_the_configuration(client, site):
    lifts = category("lifts")
    lifts.is_active = False
    lifts.save()
    # A parent whose children are all inactive becomes a service itself.
    Category.objects.filter(parent__code="building-services").update(is_active=False)
    root = parse(client.get(f"{BASE}/services.xml", HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert root.tag == "services"
    services = xml_items(root, "service")
    by_code = {s["service_code"]: s for s in services}
    assert "lifts" not in by_code and "repairs" not in by_code
    assert by_code["building-services"]["service_name"] == "楼宇服务"
    assert by_code["safety"]["service_name"] == "安全隐患"
    assert by_code["safety"]["metadata"] == "true"
    assert by_code["safety"]["group"] is None


def test_service_list_query_count_is_fixed(client, site, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        assert client.get(f"{BASE}/services.json").status_code == 200


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_service_definition(client, site, fmt):
    response = client.get(f"{BASE}/services/repairs.{fmt}")
    assert response.status_code == 200
    if fmt == "json":
        data = parse(response)
        assert data["service_code"] == "repairs"
        (attribute,) = data["attributes"]
    else:
        root = parse(response)
        assert root.tag == "service_definition" and root.findtext("service_code") == "repairs"
        (element,) = root.findall("attributes/attribute")
        attribute = {child.tag: child.text for child in element}
        attribute["variable"] = attribute["variable"] == "true"
        attribute["required"] = attribute["required"] == "true"
        attribute["order"] = int(attribute["order"])
    assert attribute["code"] == "enterprise_uscc"
    assert attribute["variable"] is True and attribute["required"] is False
    assert attribute["datatype"] == "string" and attribute["order"] == 1


def test_unknown_service_definition_is_404(client, site):
    response = client.get(f"{BASE}/services/potholes.json")
    assert response.status_code == 404
    assert json_errors(response) == [(404, "service_code “potholes” was not found.")]
    response = client.get(f"{BASE}/services/building-services.xml")  # a group is no service
    assert response.status_code == 404
    assert xml_errors(response)[0][0] == 404


def test_unknown_jurisdiction_is_404(client, site):
    response = client.get(f"{BASE}/services.xml", {"jurisdiction_id": "nowhere.gov"})
    assert response.status_code == 404
    assert xml_errors(response)[0][0] == 404
    assert client.get(f"{BASE}/services.json", {"jurisdiction_id": "d-east"}).status_code == 200


@pytest.mark.parametrize("path", ["discovery.html", "services.yaml", "services/repairs.csv", "requests.txt",
                                  "requests/20261129-0001.html", "tokens/abc.rss"])
def test_bad_format_is_a_404_error_in_json(client, site, path):
    response = client.get(f"{BASE}/{path}")
    assert response.status_code == 404
    (error,) = json_errors(response)
    assert error[0] == 404 and "json or xml" in error[1]


def test_a_wrong_method_is_refused_in_the_format(client, site):
    response = client.post(f"{BASE}/services.xml")
    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert xml_errors(response)[0][0] == 405
    assert client.delete(f"{BASE}/requests.json").status_code == 405
