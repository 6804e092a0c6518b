from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Open311Config(AppConfig):
    name = "louwei.open311"
    label = "open311"
    verbose_name = _("Open311 GeoReport v2")

    def ready(self):
        from louwei.core.middleware import register_error_format

        from . import formats

        def refused(request, status, message):
            fmt = "xml" if request.path_info.lower().endswith(".xml") else "json"
            return formats.errors(fmt, status, message)

        # Requests refused before they reach a view answer in GeoReport's error format.
        register_error_format("/open311/v2/", refused)
