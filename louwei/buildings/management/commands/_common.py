"""What the roster commands share: finding the building and the acting user, and asking access."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from louwei import access
from louwei.buildings.models import Building


def building_from(code: str) -> Building:
    try:
        return Building.objects.get(code=code.strip().upper())
    except Building.DoesNotExist as exc:
        raise CommandError(_("No building has the code %(code)s.") % {"code": code}) from exc


def actor_from(username: str | None, action: str, building: Building):
    """The user named by ``--user``, who must be allowed ``action`` on ``building``;
    ``access.SYSTEM`` without ``--user`` (a server operator runs the command)."""
    if not username:
        return access.SYSTEM
    model = get_user_model()
    try:
        user = model.objects.get(username=username)
    except model.DoesNotExist as exc:
        raise CommandError(_("No user is called %(name)s.") % {"name": username}) from exc
    try:
        access.require(user, action, building)
    except PermissionDenied as exc:
        raise CommandError(
            _("%(name)s may not do this in %(building)s.") % {"name": username, "building": building.code}
        ) from exc
    return user
