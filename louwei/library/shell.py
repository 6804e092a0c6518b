"""What the policy library adds to the shell: its search, for everyone logged in."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from louwei.core import shell

shell.entry("library", _("Policy library"), icon="search", order=140, url=lambda person: reverse("library:index"))
