from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "louwei.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self):
        from . import notify  # noqa: F401  registers the notification event kinds
