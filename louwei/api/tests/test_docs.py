"""The OpenAPI description and the docs pages: valid OpenAPI 3, every endpoint listed, nothing from a CDN,
no inline script or style (the CSP allows only 'self')."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.contrib.staticfiles import finders
from drf_spectacular.validation import validate_schema

SCHEMA = "/api/v1/openapi.json"
DOCS = "/api/v1/docs/"

ENDPOINTS = {
    "/api/v1/cases/": ["get", "post"],
    "/api/v1/cases/{number}/": ["get"],
    "/api/v1/cases/{number}/accept/": ["post"],
    "/api/v1/cases/{number}/answer/": ["post"],
    "/api/v1/cases/{number}/close/": ["post"],
    "/api/v1/cases/{number}/decline/": ["post"],
    "/api/v1/cases/{number}/dispatch/": ["post"],
    "/api/v1/cases/{number}/follow_up/": ["post"],
    "/api/v1/cases/{number}/merge/": ["post"],
    "/api/v1/cases/{number}/notes/": ["post"],
    "/api/v1/cases/{number}/pass_on/": ["post"],
    "/api/v1/cases/{number}/rate/": ["post"],
    "/api/v1/cases/{number}/reassign/": ["post"],
    "/api/v1/cases/{number}/reopen/": ["post"],
    "/api/v1/cases/{number}/reply/": ["post"],
    "/api/v1/cases/{number}/return_reply/": ["post"],
    "/api/v1/case-categories/": ["get"],
    "/api/v1/case-categories/{code}/": ["get"],
    "/api/v1/case-handlers/": ["get"],
    "/api/v1/case-handlers/{id}/": ["get"],
    "/api/v1/buildings/": ["get"],
    "/api/v1/buildings/{code}/": ["get"],
    "/api/v1/floors/": ["get"],
    "/api/v1/floors/{code}/": ["get"],
    "/api/v1/enterprises/": ["get"],
    "/api/v1/enterprises/{id}/": ["get"],
    "/api/v1/floor-leaders/": ["get"],
    "/api/v1/floor-leaders/{id}/": ["get"],
    "/api/v1/notices/": ["get"],
    "/api/v1/notices/{id}/": ["get"],
    "/api/v1/notices/{id}/deliveries/": ["get"],
    "/api/v1/notices/{id}/read/": ["post"],
    "/api/v1/notices/unread-on-my-floors/": ["get"],
    "/api/v1/inbox/": ["get"],
    "/api/v1/inbox/{id}/": ["get"],
    "/api/v1/inbox/{id}/read/": ["post"],
    "/api/v1/inbox/read-all/": ["post"],
    "/api/v1/inbox/unread-count/": ["get"],
}


class Page(HTMLParser):
    """The URLs a page loads, and whether it has inline scripts or styles."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts = 0
        self.style_elements = 0
        self.style_attributes = 0
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("src", "href"):
            if attrs.get(name):
                self.urls.append(attrs[name])
        if tag == "script":
            self._in_script = not attrs.get("src")
        if tag == "style":
            self.style_elements += 1
        if "style" in attrs:
            self.style_attributes += 1

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline_scripts += 1

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    return page


@pytest.fixture
def schema(anon, db):
    response = anon.get(SCHEMA)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    return response.json()


def test_schema_is_valid_openapi_3(schema):
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)  # drf-spectacular's OpenAPI 3 JSON-schema validation; raises when invalid


def test_schema_generates_without_warnings(tmp_path, db):
    from django.core.management import call_command

    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert "/api/v1/enterprises/" in out.read_text()


def test_schema_lists_every_endpoint(schema):
    paths = schema["paths"]
    for path, methods in ENDPOINTS.items():
        assert path in paths, path
        assert sorted(m for m in paths[path] if m != "parameters") == methods
    assert set(paths) == set(ENDPOINTS), "a new endpoint needs a line in ENDPOINTS"


def test_schema_describes_bearer_auth_and_filters(schema):
    assert schema["components"]["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer"}
    params = {p["name"] for p in schema["paths"]["/api/v1/enterprises/"]["get"]["parameters"]}
    assert {"building", "floor", "industry", "search", "limit", "offset", "ordering"} <= params
    floor_params = {p["name"] for p in schema["paths"]["/api/v1/floors/"]["get"]["parameters"]}
    assert "building" in floor_params


def static_file_exists(url: str) -> bool:
    return finders.find(url.removeprefix("/static/")) is not None


def test_swagger_page_loads_only_local_files_and_no_inline_code(anon, db):
    response = anon.get(DOCS)
    assert response.status_code == 200
    html = response.content.decode()
    page = parse(html)
    assert page.inline_scripts == 0 and page.style_elements == 0 and page.style_attributes == 0
    assert "http://" not in html and "https://" not in html and "//" not in "".join(page.urls)
    scripts = [u for u in page.urls if not u.startswith("/static/")]
    assert scripts == [f"{DOCS}?script="], page.urls
    static = [u for u in page.urls if u.startswith("/static/")]
    assert any(u.endswith("swagger-ui-bundle.js") for u in static)
    assert any(u.endswith("swagger-ui.css") for u in static)
    for url in static:
        assert static_file_exists(url), url
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp


def test_swagger_init_script_is_served_separately(anon, db):
    response = anon.get(DOCS, {"script": ""})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    body = response.content.decode()
    assert "SwaggerUIBundle(" in body and SCHEMA in body and "<script" not in body


def test_browsable_api_needs_login_and_loads_only_local_files(client, people):
    client.force_login(people["secretary_a"])
    response = client.get("/api/v1/buildings/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    page = parse(response.content.decode())
    loaded = [u for u in page.urls if u.endswith((".js", ".css"))]
    assert loaded and all(u.startswith("/static/") for u in loaded), loaded
