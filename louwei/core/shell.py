"""The shell registry: what each app adds to the navigation and to each person's home.

An app declares its entries and panels in its own ``shell`` module, found at start-up by
``HomeConfig.ready`` (as ``jobs.py`` modules are), so a new app touches no other app to appear::

    from louwei.core import shell

    shell.entry("notices", _("Notices"), icon="info", order=60,
                url=lambda person: reverse("notices:manage") if ... else None)

    shell.panel("unread-notices", "notices/shell/_unread.html", order=65, context=unread_panel)

An entry's ``url(person)`` returns its address for this person, or None to leave it out; a panel's
``context(person)`` returns a :class:`Shown` (the template's context and how urgent it is), or None
when the app has nothing for this person. Both ask ``louwei.access`` what the person may do: the
shell knows no feature and decides no permission. The person (``louwei.home.person.Person``) is
the person's roles and places, read once per request. The home orders the panels: most urgent first
(``ALERT``, then ``WAITING`` work, then ``NEWS``), within a level the one whose ``when`` (the
deadline of its most urgent item) comes first, those without a deadline after, then by ``order``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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
    url: Callable[[Any], str | None]  # (person) -> address or None
    public: bool = False  # asked for visitors who are not logged in too


@dataclass
class Shown:
    """What a panel shows one person: its template's context, and how urgent it is."""

    context: dict
    urgency: int = INFO
    when: datetime.datetime | None = None  # the deadline of its most urgent item, if it has one


@dataclass(frozen=True)
class Panel:
    key: str
    template: str
    order: int
    context: Callable[[Any], Shown | None]  # (person) -> what to show, or None
    styles: tuple[str, ...] = ()  # static stylesheets the panel needs (CSP: no inline styles)


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


