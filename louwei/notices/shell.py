"""What notices add to the shell: the staff's notices, a floor leader's unread notices on her
floors, and the notices for an enterprise's people."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from louwei.access import Action
from louwei.home import shell


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
