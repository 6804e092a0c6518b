"""Helpers for the tests of stored files: a file written in an old layout, and a migration's data step."""

from __future__ import annotations

from importlib import import_module
from types import SimpleNamespace

from django.apps import apps
from django.core.files.base import ContentFile
from django.db import connection
from django.db.migrations.operations import RunPython


def put_in_old_layout(instance, field_name: str, name: str, content: bytes) -> str:
    """Write ``content`` under ``name`` (as the code before private names did) and point the row at it."""
    field = getattr(instance, field_name)
    stored = field.storage.save(name, ContentFile(content))
    type(instance).objects.filter(pk=instance.pk).update(**{field_name: stored})
    return stored


def run_data_migration(app_label: str, migration: str) -> None:
    """Run the data steps (RunPython) of ``louwei.<app_label>.migrations.<migration>`` forwards on the
    test database as it stands (its current models, the real connection)."""
    module = import_module(f"louwei.{app_label}.migrations.{migration}")
    editor = SimpleNamespace(connection=connection)  # the steps read only the connection's alias
    steps = [op for op in module.Migration.operations if isinstance(op, RunPython)]
    assert steps, f"{migration} has no data step"
    for step in steps:
        step.code(apps, editor)


def who_gets(client, url: str, users: dict, *, starts_with: bytes = b"") -> dict[str, int]:
    """The status each of ``users`` (label -> user, None for anonymous) gets for ``url``; a 200 must
    carry the stored file (its content starts with ``starts_with``)."""
    result = {}
    for label, user in users.items():
        client.logout()
        if user is not None:
            client.force_login(user)
        response = client.get(url)
        if response.status_code == 200:
            assert b"".join(response.streaming_content).startswith(starts_with), label
        result[label] = response.status_code
    return result
