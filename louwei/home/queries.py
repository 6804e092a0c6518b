"""What the public landing page reads: every building, paginated. (A logged-in person's home is
made of the panels the apps register: ``louwei.core.shell``.)"""

from __future__ import annotations

from django.db.models import QuerySet

from louwei.buildings.models import Building, Floor
from louwei.core.db import count_of

BUILDINGS_PER_PAGE = 20


def public_buildings() -> QuerySet[Building]:
    """Every building, for the public landing page: name, address and number of floors."""
    floors = count_of(Floor.objects.all(), "building")
    return Building.objects.annotate(floor_count=floors).only("code", "name", "address").order_by("code")
