from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HolidaysConfig(AppConfig):
    name = "louwei.holidays"
    label = "holidays"
    verbose_name = _("Holidays and make-up working days")
