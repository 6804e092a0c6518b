from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "louwei.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from django.db.models.signals import pre_save

        from . import converters, lookups
        from .hooks import clean_command_input, strip_text_fields

        converters.register()
        lookups.register()
        clean_command_input()

        pre_save.connect(strip_text_fields, dispatch_uid="louwei.core.strip_text_fields")
