from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "louwei.accounts"
    label = "accounts"
    verbose_name = _("People and roles")

    def ready(self):
        from . import ratelimit  # noqa: F401 - counts failed password logins (user_login_failed)
