"""The kinds of event the notification service knows.

A feature registers its kinds in its own module, imported by its ``AppConfig.ready`` (this module
knows no feature)::

    from louwei.notifications import events
    events.register("request.assigned", _("Request assigned to you"), default_channels=("inbox", "email"))

``label`` is shown on the preferences page; ``default_channels`` are the channels a person gets
until they change their preferences (the inbox and e-mail channels; group-chat robots are
configured per building, not per person).
"""

from __future__ import annotations

from dataclasses import dataclass

INBOX = "inbox"
EMAIL = "email"
WEBHOOK = "webhook"
PERSONAL_CHANNELS = (INBOX, EMAIL)


@dataclass(frozen=True)
class EventKind:
    kind: str
    label: str
    default_channels: tuple[str, ...]


_registry: dict[str, EventKind] = {}


def register(kind: str, label, default_channels=(INBOX, EMAIL)) -> EventKind:
    """Register an event kind. Registering the same definition twice is harmless."""
    if not kind or len(kind) > 64:
        raise ValueError("an event kind needs a name of 1 to 64 characters")
    channels = tuple(default_channels)
    unknown = set(channels) - set(PERSONAL_CHANNELS)
    if unknown:
        raise ValueError(f"event kind {kind!r}: unknown channels {sorted(unknown)}")
    event = EventKind(kind=kind, label=label, default_channels=channels)
    existing = _registry.get(kind)
    if existing is not None and existing.default_channels != channels:
        raise ValueError(f"event kind {kind!r} is already registered with other default channels")
    _registry[kind] = event
    return event


def lookup(kind: str) -> EventKind:
    """The registered event kind; ``LookupError`` for an unknown kind (a programming error)."""
    try:
        return _registry[kind]
    except KeyError:
        raise LookupError(f"unknown notification event kind {kind!r}; register it in louwei.notifications.events")


def all_kinds() -> list[EventKind]:
    return [_registry[k] for k in sorted(_registry)]

