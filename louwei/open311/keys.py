"""Open311 API keys of client systems: issuing, revoking, checking. Hashed by ``louwei.core.tokens``:
the key is shown once, when issued; only its SHA-256 is kept, and a presented key is found by its hash.

Who may issue and revoke: a superuser (keys for every district, or limited to one), and district staff
(``Action.CASE_CONFIGURE`` on the district), whose keys are always limited to their district.
``actor=access.SYSTEM`` is the server operator (the ``open311_key`` command).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from louwei import access
from louwei.access import Action
from louwei.core.tokens import hash_secret, new_secret, prefix_of
from louwei.buildings.models import PartyCommittee
from louwei.core.audit import record

from .models import ClientKey

# ``last_used_at`` is written at most this often per key, so busy clients cost no write per request.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


@dataclass
class IssuedKey:
    key: ClientKey
    secret: str  # shown once; never stored


def districts_for(user) -> QuerySet[PartyCommittee]:
    """The districts ``user`` may issue keys for (all of them for a superuser)."""
    scope = access.scope(user, Action.CASE_CONFIGURE)
    if scope.everything:
        return PartyCommittee.objects.all()
    return PartyCommittee.objects.filter(pk__in=scope.party_committees)


def may_manage_keys(user) -> bool:
    """Does ``user`` reach the keys page at all?"""
    scope = access.scope(user, Action.CASE_CONFIGURE)
    return scope.everything or bool(scope.party_committees)


def may_manage(user, party_committee: PartyCommittee | None) -> bool:
    """May ``user`` issue or revoke a key limited to ``party_committee`` (None: a key for every district)?"""
    if party_committee is None:
        return access.is_administrator(user)  # a superuser, or the server operator (``access.SYSTEM``)
    return access.can(user, Action.CASE_CONFIGURE, party_committee)


def keys_for(user) -> QuerySet[ClientKey]:
    """The keys ``user`` may see on the keys page: every key for a superuser, else their districts' keys."""
    queryset = ClientKey.objects.select_related("party_committee", "created_by")
    scope = access.scope(user, Action.CASE_CONFIGURE)
    if scope.everything:
        return queryset.order_by("name")
    return queryset.filter(party_committee_id__in=scope.party_committees).order_by("name")


@transaction.atomic
def issue_key(*, actor, name: str, party_committee: PartyCommittee | None = None) -> IssuedKey:
    """Issue a key for the client system ``name``; the returned ``secret`` is the only copy of it."""
    if not may_manage(actor, party_committee):
        raise PermissionDenied(Action.CASE_CONFIGURE)
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("Give the client system a name.")})
    if len(name) > ClientKey._meta.get_field("name").max_length:
        raise ValidationError({"name": _("The name is too long.")})
    if ClientKey.objects.filter(name__iexact=name).exists():
        raise ValidationError(
            {"name": _("A client called %(name)s already has a key (revoked keys stay on record): "
                       "choose another name.") % {"name": name}}
        )
    secret = new_secret()
    key = ClientKey.objects.create(
        name=name, prefix=prefix_of(secret), key_hash=hash_secret(secret), party_committee=party_committee,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    record(actor, "open311_key.issue", key, name=name, prefix=key.prefix,
           district=party_committee.code if party_committee else "")
    return IssuedKey(key=key, secret=secret)


@transaction.atomic
def revoke_key(*, actor, key: ClientKey) -> ClientKey:
    """Revoke ``key`` now; it stays on record (with the cases it filed) and never works again."""
    key = ClientKey.objects.select_for_update().get(pk=key.pk)
    if not may_manage(actor, key.party_committee):
        raise PermissionDenied(Action.CASE_CONFIGURE)
    if key.revoked_at is not None:
        raise ValidationError(_("This key is already revoked."))
    key.revoked_at = timezone.now()
    key.save(update_fields=["revoked_at"])
    record(actor, "open311_key.revoke", key, name=key.name, prefix=key.prefix)
    return key


def check(secret: str) -> ClientKey | None:
    """The live key ``secret`` is, or None. Found by the SHA-256 of the secret (a unique index);
    ``last_used_at`` is kept to the minute."""
    secret = (secret or "").strip()
    if not secret or len(secret) > 200:
        return None
    key = ClientKey.objects.select_related("party_committee").filter(key_hash=hash_secret(secret)).first()
    if key is None or key.revoked_at is not None:
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        ClientKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key
