"""The audit trail. Every service that changes state calls :func:`record` once per change."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from .models import AuditEvent


def _jsonable(value: Any) -> Any:
    import json

    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, default=str))


def record(actor, verb: str, target: models.Model | None = None, **details: Any) -> AuditEvent:
    """Write one audit event: ``actor`` did ``verb`` to ``target``; ``details`` say how."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEvent.objects.create(
        actor=actor,
        verb=verb,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:255] if target is not None else "",
        details=_jsonable(details),
    )


def history_of(target: models.Model):
    """The audit events of one object, newest first."""
    return AuditEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(target), target_id=str(target.pk)
    ).select_related("actor")
