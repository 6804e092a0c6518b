from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "louwei.api"
    label = "api"
    verbose_name = _("REST API")

    def ready(self):
        # Registers the bearer-token security scheme with drf-spectacular.
        from . import schema  # noqa: F401
        from django.http import JsonResponse

        from louwei.core.middleware import register_error_format

        # Requests refused before they reach a view answer in the API's own error format.
        register_error_format("/api/", lambda request, status, message: JsonResponse({"detail": message}, status=status))
