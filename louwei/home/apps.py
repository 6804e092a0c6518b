from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeConfig(AppConfig):
    """A face: the landing page of each role and the navigation of the shell."""

    name = "louwei.home"
    label = "home"
    verbose_name = _("Home")
