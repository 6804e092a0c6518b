"""What accounts add to the shell: logging in, and the person's profile."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from louwei.core import shell

shell.entry("login", _("Log in"), icon="login", order=5, public=True,
            url=lambda person: None if person.authenticated else reverse("accounts:login"))
shell.entry("profile", _("My profile"), icon="user", order=1000, url=lambda person: reverse("accounts:profile"))
