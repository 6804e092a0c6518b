"""The cases' part of the OpenAPI description: every endpoint listed with its methods, valid OpenAPI 3,
no generator warnings (louwei/api/tests/test_docs.py checks the whole document)."""

from __future__ import annotations

from drf_spectacular.validation import validate_schema

STEPS = ["accept", "answer", "close", "decline", "dispatch", "follow_up", "merge", "notes", "pass_on", "rate",
         "reassign", "reopen", "reply", "return_reply"]

CASE_ENDPOINTS = {
    "/api/v1/cases/": ["get", "post"],
    "/api/v1/cases/{number}/": ["get"],
    **{f"/api/v1/cases/{{number}}/{step}/": ["post"] for step in STEPS},
    "/api/v1/case-categories/": ["get"],
    "/api/v1/case-categories/{code}/": ["get"],
    "/api/v1/case-handlers/": ["get"],
    "/api/v1/case-handlers/{id}/": ["get"],
}


def test_cases_are_described(anon, db):
    response = anon.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)
    paths = schema["paths"]
    for path, methods in CASE_ENDPOINTS.items():
        assert path in paths, path
        assert sorted(m for m in paths[path] if m != "parameters") == methods, path
    assert {p for p in paths if "/case" in p} == set(CASE_ENDPOINTS)
    params = {p["name"] for p in paths["/api/v1/cases/"]["get"]["parameters"]}
    assert {"status", "building", "floor", "category", "handler", "overdue", "search", "ordering", "limit"} <= params
    detail = paths["/api/v1/cases/{number}/dispatch/"]["post"]
    assert {"200", "400", "403", "404", "409"} <= set(detail["responses"])


def test_schema_generates_without_warnings(tmp_path, db):
    from django.core.management import call_command

    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert "/api/v1/cases/{number}/return_reply/" in out.read_text()
