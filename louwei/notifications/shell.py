"""What notifications add to the shell: the person's inbox."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from louwei.core import shell

shell.entry("inbox", _("Inbox"), icon="inbox", order=150, url=lambda person: reverse("notifications:inbox"))
