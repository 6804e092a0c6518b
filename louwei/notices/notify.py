"""The notices' notification event kinds, registered with ``louwei.notifications`` (which knows no
feature), as ``cases.notify`` and ``jobs.notify`` register theirs. Imported by ``NoticesConfig.ready``."""

from django.utils.translation import gettext_lazy

from louwei.notifications import events

events.register("notice.published", gettext_lazy("A notice or policy is published for you"))
events.register("notice.reminder", gettext_lazy("Reminder of a notice you have not read"))
