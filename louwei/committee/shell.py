"""What the committee adds to the shell: the committee page of a building's staff, and a floor
leader's own floors."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from louwei.access import Action
from louwei.home import shell


def _committee_url(person):
    staff = person.buildings_of(person.building_ids(Action.BUILDING_VIEW))
    return reverse("committee:manage", args=[staff[0].code]) if len(staff) == 1 else None


def _my_floors_url(person):
    # Her own floors (the home's floor panel), not the committee's list of every leader.
    led = person.buildings_of(person.floor_building_ids(Action.BUILDING_VIEW))
    return reverse("home:index") + "#my-floors" if led else None


shell.entry("committee", _("Committee"), icon="committee", order=50, url=_committee_url)
shell.entry("floors", _("My floors"), icon="floors", order=70, url=_my_floors_url)
