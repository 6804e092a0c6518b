from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeConfig(AppConfig):
    """A face: the landing page of each role and the navigation of the shell."""

    name = "louwei.home"
    label = "home"
    verbose_name = _("Home")

    def ready(self):
        from django.utils.module_loading import autodiscover_modules

        # Each app declares its navigation entries and home panels in its own ``shell`` module
        # (louwei.home.shell), as the admin finds ``admin.py``.
        autodiscover_modules("shell")
