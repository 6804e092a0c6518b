"""Settings for the REST API, imported by louwei/settings/base.py.

    from .api import API_INSTALLED_APPS, REST_FRAMEWORK, SPECTACULAR_SETTINGS
    INSTALLED_APPS += API_INSTALLED_APPS

Kept in the settings package (the kernel), which imports no app: the API's classes are named here
as dotted strings, which Django and DRF import when they need them.
"""

API_INSTALLED_APPS = ["rest_framework", "drf_spectacular", "drf_spectacular_sidecar"]

REST_FRAMEWORK = {
    # Bearer tokens for programs; the session for the browsable API and the docs page.
    # The first class decides the WWW-Authenticate header, so anonymous requests get 401, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "louwei.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "louwei.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "louwei.api.search.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Louwei API",
    "DESCRIPTION": (
        "Read the building registry (buildings, floors, enterprises, floor leaders), notices and the inbox; "
        "raise cases and take each step of their closed loop (a step the case's status does not allow "
        "answers 409). "
        "Authenticate with `Authorization: Bearer TOKEN` (`python manage.py create_api_token USERNAME`). "
        "Every list shows only what the token's user may see on the web pages."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "louwei.api.schema.document_errors",
    ],
    # Swagger UI from the drf-spectacular-sidecar package's static files: never a CDN. (No Redoc: it injects
    # <style> elements, which the CSP refuses.)
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "persistAuthorization": False},
    "AUTHENTICATION_WHITELIST": [
        "louwei.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
}
