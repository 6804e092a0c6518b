"""The shell's navigation: the entries every app registers in its ``shell`` module (see
``louwei.core.shell``), asked for this person and put in order, in the side navigation (desktop),
the phone menu and the bottom tab bar. The home names no feature.

Built lazily: a page that never shows the navigation (an htmx fragment) costs no query.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from louwei.core import shell

from .person import Person

MAX_TABS = 4


@dataclass
class NavItem:
    key: str
    label: str
    url: str
    icon: str
    current: bool = False


class Navigation:
    """What the shell shows one person on one request."""

    def __init__(self, request):
        self.request = request
        self.person = Person.of(request)
        self.path = self.person.path

    @property
    def authenticated(self) -> bool:
        return self.person.authenticated

    @property
    def building(self):
        return self.person.building

    @cached_property
    def items(self) -> list[NavItem]:
        items: list[NavItem] = []
        seen: set[str] = set()
        for entry in shell.entries():
            if not (entry.public or self.authenticated):
                continue
            url = entry.url(self.person)
            if url and url not in seen:
                seen.add(url)
                items.append(NavItem(entry.key, entry.label, url, entry.icon))
        return self._mark_current(items)

    @cached_property
    def tabs(self) -> list[NavItem]:
        """The phone's bottom tab bar: home, the first role destinations, and the profile (or log in)."""
        items = self.items
        first, last = items[0], items[-1]
        middle = [item for item in items[1:-1]][: MAX_TABS - 2]
        return [first, *middle, last] if len(items) > 1 else items

    def _mark_current(self, items: list[NavItem]) -> list[NavItem]:
        """The current destination is the one whose URL is the longest prefix of the path."""
        best = None
        for item in items:
            matches = self.path == item.url if item.url == "/" else self.path.startswith(item.url)
            if matches and (best is None or len(item.url) > len(best.url)):
                best = item
        if best is not None:
            best.current = True
        return items
