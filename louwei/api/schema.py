"""What drf-spectacular needs to describe our authentication in the OpenAPI document."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "louwei.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Bearer")


# The errors any operation may answer, besides those it documents itself: 400 (a parameter or body
# the API refuses, or a query string with control characters), 401 (no or a wrong token), 403 (the
# token's person may not), 404 (nothing at that address, or nothing this person may see), 429 (too
# many attempts). Every one has a JSON body with a ``detail``; a 400 of a body names its fields.
ERRORS = {
    "400": "The request was refused: a parameter or a field is not valid (the body says which).",
    "401": "No token, or a token that is not valid.",
    "403": "The token's person may not do this.",
    "404": "Not found, or not visible to the token's person.",
    "429": "Too many requests: wait for the time the Retry-After header gives.",
}


def document_errors(result, generator, request, public):
    """drf-spectacular post-processing hook: every operation documents the errors it may answer, with
    the one error body (``Error``), so a client (and Schemathesis) knows every status it can get."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", {
        "type": "object",
        "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
        "additionalProperties": True,
        "description": "An error: `detail` says what went wrong; a refused body names its fields instead.",
    })
    body = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path in result.get("paths", {}).values():
        for method, operation in path.items():
            if method not in {"get", "put", "patch", "post", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            for status, description in ERRORS.items():
                responses.setdefault(status, {"description": description, "content": body})
    return result
