"""What the service centre adds to the shell: on the home of everyone who works in or for a
building, its centre's opening hours and on-site services (one query)."""

from louwei.core import shell

from .models import ServiceCentre

SHOWN = 3  # centres on one home (a person in several buildings)


def _centre_panel(person):
    buildings = person.buildings
    if not buildings:
        return None
    centres = list(
        ServiceCentre.objects.filter(building_id__in=sorted(buildings))
        .exclude(opening_hours="", on_site_services="")
        .select_related("floor").order_by("building_id")[:SHOWN]
    )
    for centre in centres:
        centre.building = buildings[centre.building_id]
    return shell.Shown({"centres": centres}) if centres else None


shell.panel("service-centre", "centre/shell/_centre.html", order=90, context=_centre_panel)
