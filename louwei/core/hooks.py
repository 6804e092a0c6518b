"""The kernel's hooks that keep ``louwei.core.text.CONTROL_CHARACTERS`` out of everything.

The web strips them on the way in (``louwei.core.middleware``) and spreadsheets on reading
(``louwei.core.text.normalise``). Here the two other ways in:

* :func:`clean_command_input`: every management command's string arguments and options (ours and
  Django's: ``createsuperuser`` too), before the command sees them;
* :func:`strip_text_fields`, the last net: whatever a model is saved from, its text fields hold none
  of them. Bulk writes (``bulk_create``, ``update``) do not pass here, so they must be given clean
  text, as the roster import's cells are.
"""

from __future__ import annotations

import functools

from django.db import models

from .text import has_controls, strip_controls


def _text_fields(model) -> list[str]:
    cached = model.__dict__.get("_louwei_text_fields")
    if cached is None:
        cached = [
            field.attname for field in model._meta.concrete_fields
            if isinstance(field, (models.CharField, models.TextField))
        ]
        model._louwei_text_fields = cached
    return cached


def strip_text_fields(sender, instance, raw=False, **kwargs) -> None:
    """pre_save, every model: strip control characters from its text fields (fixtures load as they are)."""
    if raw:
        return
    for name in _text_fields(sender):
        value = getattr(instance, name, None)
        if has_controls(value):
            setattr(instance, name, strip_controls(value))


def _clean(value):
    if isinstance(value, str):
        return strip_controls(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_clean(item) for item in value)
    return value


def clean_command_input() -> None:
    """Wrap ``BaseCommand.execute`` so that every command gets its arguments without control characters
    (called once, when the kernel app is ready)."""
    from django.core.management.base import BaseCommand

    original = BaseCommand.execute
    if getattr(original, "louwei_cleans_input", False):
        return

    @functools.wraps(original)
    def execute(self, *args, **options):
        return original(self, *_clean(args), **{name: _clean(value) for name, value in options.items()})

    execute.louwei_cleans_input = True
    BaseCommand.execute = execute
