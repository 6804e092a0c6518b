from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "louwei.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self):
        from louwei.core.models import CalendarYear
        from louwei.core.signals import calendar_changed

        from . import notify  # noqa: F401  registers the notification event kinds
        from . import tasks

        calendar_changed.connect(tasks.calendar_changed, sender=CalendarYear, dispatch_uid="cases.recompute_deadlines")
