from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LibraryConfig(AppConfig):
    name = "louwei.library"
    label = "library"
    verbose_name = _("Policy library")

    def ready(self):
        from . import receivers  # noqa: F401 (connects the notices signals)
