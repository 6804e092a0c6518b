"""The person the shell's entries and panels ask about, and the home's panels in order (the
registry is ``louwei.core.shell``)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Q

from louwei import access
from louwei.access import Action
from louwei.core import shell


@dataclass
class ShownPanel:
    panel: shell.Panel
    shown: shell.Shown
    html: str = ""


# ----------------------------------------------------------------------------------------------
# The person: what entries and panels ask about, computed once per request and only when asked.


class Person:
    """One person on one request: their roles and the places they hold them, read lazily and once
    (the roles come with the user; the buildings are one query, for those who have any)."""

    def __init__(self, user, path: str = "/", request=None):
        self.user = user
        self.path = path
        self.request = request

    @classmethod
    def of(cls, request) -> Person:
        """The request's person, shared by the navigation and the home page."""
        person = getattr(request, "_shell_person", None)
        if person is None:
            person = cls(getattr(request, "user", None), getattr(request, "path", "/"), request)
            request._shell_person = person
        return person

    @cached_property
    def authenticated(self) -> bool:
        return bool(self.user is not None and self.user.is_authenticated)

    @cached_property
    def roles(self):
        return access.active_roles(self.user) if self.authenticated else []

    def can_anywhere(self, action: str) -> bool:
        return access.anywhere(self.user, action)

    def district_wide(self, action: str) -> bool:
        return access.district_wide(self.user, action)

    def _ordered(self, values) -> list:
        seen: list = []
        for value in values:
            if value is not None and value not in seen:
                seen.append(value)
        return seen

    def district_codes(self, action: str) -> list[str]:
        """The codes of the districts where the person may do ``action`` (no query)."""
        return self._ordered(role.party_committee.code for role in access.granting_roles(self.user, action)
                             if role.party_committee_id)

    def building_ids(self, action: str = Action.BUILDING_VIEW) -> list[int]:
        """The buildings where the person may do ``action`` on the whole building, in role order."""
        return self._ordered(role.building_id for role in access.granting_roles(self.user, action))

    def floor_building_ids(self, action: str = Action.BUILDING_VIEW) -> list[int]:
        """The buildings of the floors where the person may do ``action``, in role order."""
        return self._ordered(role.floor.building_id for role in access.granting_roles(self.user, action)
                             if role.floor_id)

    def floor_ids(self, action: str = Action.BUILDING_VIEW) -> list[int]:
        return self._ordered(role.floor_id for role in access.granting_roles(self.user, action))

    @cached_property
    def enterprise_ids(self) -> list[int]:
        """The enterprises the person belongs to (through a role held on the enterprise itself)."""
        return self.enterprises_where(Action.ENTERPRISE_VIEW)

    def enterprises_where(self, action: str) -> list[int]:
        """The person's own enterprises (roles held on the enterprise) where they may do ``action``."""
        return self._ordered(role.enterprise_id for role in access.granting_roles(self.user, action))

    @cached_property
    def buildings(self) -> dict:
        """The buildings the person works in or for or whose enterprise is in, by id: one query, only
        for people with such roles."""
        from louwei.buildings.models import Building, Occupancy

        ids = set(self.building_ids()) | set(self.floor_building_ids())
        if not ids and not self.enterprise_ids:
            return {}
        condition = Q(pk__in=ids)
        if self.enterprise_ids:
            occupied = Occupancy.objects.current().filter(enterprise_id__in=self.enterprise_ids)
            condition |= Q(pk__in=occupied.values("unit__floor__building_id"))
        return {b.pk: b for b in Building.objects.filter(condition).only("pk", "code", "name")}

    def buildings_of(self, ids) -> list:
        return [self.buildings[pk] for pk in ids if pk in self.buildings]

    @cached_property
    def building(self):
        """The one building the person belongs to, for the top bar; None for district staff or several."""
        if self.district_codes(Action.BUILDING_VIEW) or len(self.buildings) != 1:
            return None
        return next(iter(self.buildings.values()))


def home_panels(person: Person) -> list[ShownPanel]:
    """The panels that have something for ``person``, most urgent first."""
    far = datetime.datetime.max.replace(tzinfo=datetime.UTC)
    shown = []
    for registered in shell.panels():
        result = registered.context(person)
        if result is not None:
            shown.append(ShownPanel(registered, result))
    shown.sort(key=lambda s: (-s.shown.urgency, s.shown.when or far, s.panel.order))
    return shown


@dataclass
class Home:
    """A logged-in person's home page: the panels in order, and the stylesheets they need."""

    panels: list[ShownPanel] = field(default_factory=list)

    @property
    def styles(self) -> list[str]:
        return list(dict.fromkeys(style for p in self.panels for style in p.panel.styles))

    @property
    def is_empty(self) -> bool:
        return not self.panels


