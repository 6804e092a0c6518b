from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "louwei.jobs"
    label = "jobs"
    verbose_name = _("Background work")

    def ready(self):
        from django.utils.module_loading import autodiscover_modules

        from . import notify, signals  # noqa: F401  the event kinds; files leave with their row

        # Each feature registers its kinds of job in its own ``jobs`` module, as the admin finds
        # ``admin.py``: the worker and the web server then know the same kinds.
        autodiscover_modules("jobs")
