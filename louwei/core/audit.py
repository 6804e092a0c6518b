"""The audit trail. Every service that changes state calls :func:`record` once per change."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from .models import AuditEvent


def _jsonable(value: Any) -> Any:
    """``value`` as JSON will store it: dates, decimals and the like become strings."""
    try:
        json.dumps(value)  # plain values (the usual case) are kept as they are
    except (TypeError, ValueError):
        return json.loads(json.dumps(value, cls=DjangoJSONEncoder, default=str))
    return value


def _event(actor, verb: str, target: models.Model | None, details: dict[str, Any]) -> AuditEvent:
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEvent(
        actor_id=actor.pk if actor is not None else None,
        verb=verb,
        target_type_id=ContentType.objects.get_for_model(target).pk if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:255] if target is not None else "",
        details=_jsonable(details),
    )


def record(actor, verb: str, target: models.Model | None = None, **details: Any) -> AuditEvent:
    """Write one audit event: ``actor`` did ``verb`` to ``target``; ``details`` say how."""
    event = _event(actor, verb, target, details)
    event.save(force_insert=True)
    return event


def record_many(actor, events: Iterable[tuple[str, models.Model | None, dict[str, Any]]]) -> list[AuditEvent]:
    """Write one audit event per ``(verb, target, details)`` of ``events``, in that order, with one
    INSERT (a few on SQLite): a bulk change (the roster import) is audited change by change, as
    :func:`record` would, at the cost of one statement. The targets must be saved already."""
    return AuditEvent.objects.bulk_create([_event(actor, verb, target, details) for verb, target, details in events])


def history_of(target: models.Model):
    """The audit events of one object, newest first."""
    return AuditEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(target), target_id=str(target.pk)
    ).select_related("actor")
