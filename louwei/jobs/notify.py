"""The jobs' notification events: the person who asked is told when the work is done or failed.

In the inbox only by default (无事不扰: the person is usually still on the job page); each person
may turn e-mail on in their preferences."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from louwei.notifications import events
from louwei.notifications import services as notifications

events.register("job.ready", gettext_lazy("A file or import you asked for is ready"), default_channels=(events.INBOX,))
events.register("job.failed", gettext_lazy("A file or import you asked for failed"), default_channels=(events.INBOX,))


def finished(job) -> int:
    """Tell the owner that ``job`` is done or failed (once: the key names the job and its outcome).
    Called in the owner's language."""
    if job.is_done:
        event, title, body = "job.ready", _("Ready: %(title)s") % {"title": job.title}, ""
    else:
        event, title, body = "job.failed", _("Failed: %(title)s") % {"title": job.title}, job.error
    return notifications.notify(
        event=event, recipients=[job.owner_id], title=title, body=body, url=job.get_absolute_url(),
        key=f"job:{job.pk}:{job.status}",
    )
