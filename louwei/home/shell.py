"""The shell registry: what each app adds to the navigation and to each person's home.

An app declares its entries and panels in its own ``shell`` module, found at start-up by
``HomeConfig.ready`` (as ``jobs.py`` modules are), so a new app touches no other app to appear::

    from louwei import access
    from louwei.home import shell

    shell.entry("notices", _("Notices"), icon="info", order=60,
                url=lambda person: reverse("notices:manage") if ... else None)

    shell.panel("unread-notices", "notices/shell/_unread.html", order=65, context=unread_panel)

An entry's ``url(person)`` returns its address for this person, or None to leave it out; a panel's
``context(person)`` returns a :class:`Shown` (the template's context and how urgent it is), or None
when the app has nothing for this person. Both ask ``louwei.access`` what the person may do: the
shell knows no feature and decides no permission. The home orders the panels: most urgent first
(``ALERT``, then ``WAITING`` work, then ``NEWS``), within a level the one whose ``when`` comes first
(the soonest deadline, the oldest unread), then by ``order``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from louwei import access
from louwei.access import Action

# How urgent a panel is, most urgent first.
ALERT = 3  # something is wrong until someone acts (the official calendar misses a year)
WAITING = 2  # work waits for this person (cases to answer, notices their floors have not read)
NEWS = 1  # something new for them (notices they have not read)
INFO = 0  # where they are and what they have (their buildings, floors, enterprise)


@dataclass(frozen=True)
class Entry:
    key: str
    label: Any  # lazy text
    icon: str
    order: int
    url: Callable[[Person], str | None]
    public: bool = False  # asked for visitors who are not logged in too


@dataclass
class Shown:
    """What a panel shows one person: its template's context, and how urgent it is."""

    context: dict
    urgency: int = INFO
    when: datetime.datetime | None = None


@dataclass(frozen=True)
class Panel:
    key: str
    template: str
    order: int
    context: Callable[[Person], Shown | None]
    styles: tuple[str, ...] = ()  # static stylesheets the panel needs (CSP: no inline styles)


@dataclass
class ShownPanel:
    panel: Panel
    shown: Shown

    @property
    def template(self) -> str:
        return self.panel.template

    @property
    def context(self) -> dict:
        return self.shown.context


_entries: list[Entry] = []
_panels: dict[str, Panel] = {}


def entry(key: str, label, *, icon: str, order: int, url, public: bool = False) -> Entry:
    """Register a navigation entry. Several entries may share a key (one destination reached two
    ways); the same address is shown once, at its first place."""
    registered = Entry(key=key, label=label, icon=icon, order=order, url=url, public=public)
    _entries[:] = [e for e in _entries if (e.key, e.order) != (key, order)] + [registered]
    return registered


def panel(key: str, template: str, *, order: int, context, styles=()) -> Panel:
    """Register a home panel. Registering the same key again replaces it (a module reloaded)."""
    registered = Panel(key=key, template=template, order=order, context=context, styles=tuple(styles))
    _panels[key] = registered
    return registered


def entries() -> list[Entry]:
    return sorted(_entries, key=lambda e: e.order)


def panels() -> list[Panel]:
    return sorted(_panels.values(), key=lambda p: p.order)


# ----------------------------------------------------------------------------------------------
# The person: what entries and panels ask about, computed once per request and only when asked.


class Person:
    """One person on one request: their roles and the places they hold them, read lazily and once
    (the roles come with the user; the buildings are one query, for those who have any)."""

    def __init__(self, user, path: str = "/"):
        self.user = user
        self.path = path

    @classmethod
    def of(cls, request) -> Person:
        """The request's person, shared by the navigation and the home page."""
        person = getattr(request, "_shell_person", None)
        if person is None:
            person = cls(getattr(request, "user", None), getattr(request, "path", "/"))
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
        return self._ordered(role.enterprise_id for role in access.granting_roles(self.user, Action.ENTERPRISE_VIEW))

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
    for registered in panels():
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


# ----------------------------------------------------------------------------------------------
# The home app's own destinations: the home page, and the staff health page.


def _home_url(person: Person) -> str:
    return reverse("home:index")


def _health_url(person: Person) -> str | None:
    return reverse("home:health") if person.district_wide(Action.SYSTEM_HEALTH) else None


entry("home", _("Home"), icon="home", order=0, url=_home_url, public=True)
entry("health", _("System health"), icon="check", order=120, url=_health_url)
