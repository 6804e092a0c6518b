"""Wrong methods on every Open311 endpoint: a 405 with ``Allow`` and the standard's error body in the
resource's format, never Django's HTML CSRF page; and Open311 POSTs never meet the CSRF check (they
authenticate by api_key), whether or not the client also holds a session."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern

from louwei.open311 import urls as open311_urls
from louwei.testing.factories import UserFactory

from .conftest import BASE, json_errors, xml_errors

# Every GeoReport endpoint, by URL name: a path (without the format) and the methods it answers.
ENDPOINTS = {
    "discovery": ("discovery", ["GET"]),
    "services": ("services", ["GET"]),
    "service": ("services/repairs", ["GET"]),
    "requests": ("requests", ["GET", "POST"]),
    "request": ("requests/20261129-0001", ["GET"]),
    "token": ("tokens/5f0c2a4e-0b7e-4f6e-9d0a-3f1b2c4d5e6f", ["GET"]),
}
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def test_the_table_names_every_georeport_endpoint():
    names = {p.name for p in open311_urls.urlpatterns if isinstance(p, URLPattern) and str(p.pattern).startswith("v2/")}
    assert names == set(ENDPOINTS)


def wrong_methods():
    for name, (path, allowed) in ENDPOINTS.items():
        for method in METHODS:
            if method not in allowed:
                yield pytest.param(path, allowed, method, id=f"{method}-{name}")


@pytest.fixture(params=["anonymous", "with a session"])
def strict_client(request, db):
    """A client that meets Django's CSRF check like a browser or a program without a token would."""
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    if request.param == "with a session":
        client.force_login(UserFactory())
    return client


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("path, allowed, method", list(wrong_methods()))
def test_a_wrong_method_is_a_405_in_the_format(strict_client, site, path, allowed, method, fmt):
    response = strict_client.generic(method, f"{BASE}/{path}.{fmt}", "api_key=x&a=b",
                                     content_type="application/x-www-form-urlencoded")
    assert response.status_code == 405, response.content[:200]
    assert response["Allow"] == ", ".join(allowed)
    errors = json_errors(response) if fmt == "json" else xml_errors(response)
    assert errors == [(405, f"This resource answers {', '.join(allowed)} only.")]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_posting_a_request_never_meets_the_csrf_check(strict_client, site, secrets, fmt):
    response = strict_client.post(f"{BASE}/requests.{fmt}", {"api_key": "not-a-key"})
    assert response.status_code == 403
    errors = json_errors(response) if fmt == "json" else xml_errors(response)
    assert errors == [(403, "Invalid api_key: unknown or revoked.")]
    response = strict_client.post(f"{BASE}/requests.{fmt}", {
        "api_key": secrets["east"], "service_code": "repairs", "address_id": "XCFZ-B-02",
        "description": "二楼水龙头漏水",
    })
    assert response.status_code == 200, response.content.decode()


def test_an_unknown_format_with_a_wrong_method_is_a_404_in_json(strict_client, site):
    response = strict_client.post(f"{BASE}/services.html")
    assert response.status_code == 404
    assert json_errors(response)[0][0] == 404
