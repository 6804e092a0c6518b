"""What notices add to the shell: the staff's notices, a floor leader's unread notices on her
floors, and the notices for an enterprise's people; on the home, what her floors have not read yet
(a floor leader) and the notices for us, unread first (an enterprise's people)."""

from django.db.models import Count, Exists, OuterRef
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from louwei.access import Action
from louwei.buildings.models import Occupancy
from louwei.core import shell

from .models import Delivery, Notice, NoticeStatus, Read
from .queries import NEWEST


def _manage_url(person):
    if person.building_ids(Action.NOTICE_VIEW) or person.district_wide(Action.NOTICE_VIEW):
        return reverse("notices:manage")
    return None


def _my_floors_url(person):
    led = person.buildings_of(person.floor_building_ids(Action.NOTICE_RELAY))
    return reverse("notices:my_floors") if led else None


shell.entry("notices", _("Notices"), icon="info", order=60, url=_manage_url)
shell.entry("unread", _("Unread on my floors"), icon="check", order=71, url=_my_floors_url)
shell.entry("our-notices", _("Notices for us"), icon="info", order=80,
            url=lambda person: reverse("notices:index") if person.enterprise_ids else None)


# ----------------------------------------------------------------------------------------------
# Home panels

SHOWN = 5  # notices listed on a home panel; the rest are a click away


def _unread_on_floors_panel(person):
    """A floor leader: the published notices the enterprises on her floors have not read yet, with
    how many enterprises each (one aggregate query: what she relays in person)."""
    floor_ids = person.floor_ids(Action.NOTICE_RELAY)
    if not floor_ids:
        return None
    on_floors = Occupancy.objects.current().filter(unit__floor_id__in=floor_ids).values("enterprise_id")
    rows = list(
        Delivery.objects.filter(notice__status=NoticeStatus.PUBLISHED, first_read_at__isnull=True,
                                enterprise_id__in=on_floors)
        .values("notice_id", "notice__title", "notice__published_at")
        .annotate(unread=Count("enterprise_id", distinct=True))
        .order_by("-notice__published_at", "-notice_id")[:SHOWN]
    )
    # Waiting work with no deadline: after the cases that have one.
    return shell.Shown({"rows": rows}, urgency=shell.WAITING if rows else shell.INFO)


def _our_notices_panel(person):
    """An enterprise's people: the notices delivered to their enterprise, those they have not read
    first, newest first (two queries: the list and the number unread)."""
    own = person.enterprise_ids
    if not own:
        return None
    user = person.user
    notices = Notice.objects.filter(
        Exists(Delivery.objects.filter(notice=OuterRef("pk"), enterprise_id__in=own)),
        status=NoticeStatus.PUBLISHED,
    ).annotate(is_read=Exists(Read.objects.filter(delivery__notice=OuterRef("pk"), user=user)))
    shown = list(notices.order_by("is_read", NEWEST, "-pk").only("pk", "title", "kind", "published_at")[:SHOWN])
    unread = notices.filter(is_read=False).count() if any(not n.is_read for n in shown) else 0
    return shell.Shown({"notices": shown, "unread": unread}, urgency=shell.NEWS if unread else shell.INFO)


shell.panel("unread-on-my-floors", "notices/shell/_unread_on_floors.html", order=15,
            context=_unread_on_floors_panel)
shell.panel("our-notices", "notices/shell/_our_notices.html", order=16, context=_our_notices_panel)
