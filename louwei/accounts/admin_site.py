"""The Django admin's site, with its login under the same lock-out as the login page
(``ratelimit``). ``AdminConfig`` replaces ``django.contrib.admin`` in ``INSTALLED_APPS`` and makes
this the default site, so ``admin.site`` and every ``@admin.register`` use it."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminSite(admin.AdminSite):
    @property
    def login_form(self):
        from .forms import AdminLoginForm  # this module is loaded with the settings: no models at import


        return AdminLoginForm

    def login(self, request, extra_context=None):
        from . import ratelimit

        response = super().login(request, extra_context)
        form = (getattr(response, "context_data", None) or {}).get("form")
        locked_for = getattr(form, "locked_for", 0)
        if locked_for:
            response.status_code = 429
        return ratelimit.retry_after(response, locked_for)


class AdminConfig(DjangoAdminConfig):
    default_site = "louwei.accounts.admin_site.AdminSite"
