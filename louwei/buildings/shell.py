"""What the building registry adds to the shell's navigation: the building list, one's building
and its enterprises, and one's own enterprise. (The home's building panels count floor leaders:
they are the committee's, in ``louwei.committee.shell``.)"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from louwei.access import Action
from louwei.core import shell


def _staff(person):
    return person.buildings_of(person.building_ids(Action.BUILDING_VIEW))


def _buildings_url(person):
    if person.district_wide(Action.BUILDING_VIEW) or len(_staff(person)) > 1:
        return reverse("buildings:building_list")
    return None


def _building_url(person, name):
    staff = _staff(person)
    return reverse(name, args=[staff[0].code]) if len(staff) == 1 else None


def _floor_enterprises_url(person):
    led = person.buildings_of(person.floor_building_ids(Action.BUILDING_VIEW))
    return reverse("buildings:enterprise_list", args=[led[0].code]) if led else None


def _enterprise_url(person):
    ids = person.enterprise_ids
    return reverse("buildings:enterprise_detail", args=[ids[0]]) if ids else None


shell.entry("buildings", _("Buildings"), icon="building", order=20, url=_buildings_url)
shell.entry("building", _("My building"), icon="building", order=30,
            url=lambda person: _building_url(person, "buildings:building_detail"))
shell.entry("enterprises", _("Enterprises"), icon="enterprise", order=40,
            url=lambda person: _building_url(person, "buildings:enterprise_list"))
shell.entry("enterprises", _("Enterprises"), icon="enterprise", order=72, url=_floor_enterprises_url)
shell.entry("enterprise", _("My enterprise"), icon="enterprise", order=81, url=_enterprise_url)
