from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "louwei.api"
    label = "api"
    verbose_name = _("REST API")

    def ready(self):
        # Registers the bearer-token security scheme with drf-spectacular.
        from . import schema  # noqa: F401
