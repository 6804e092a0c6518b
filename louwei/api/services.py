"""What people do with API tokens. Each function is one action, audited, and asks ``louwei.access``
first: a person's tokens are theirs and an administrator's (a superuser, ``access.SYSTEM``)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from louwei import access
from louwei.core.audit import record

from .models import ApiToken
from louwei.core.tokens import hash_secret, new_secret, prefix_of


@dataclass
class IssuedToken:
    token: ApiToken
    secret: str  # shown once; never stored


@transaction.atomic
def create_token(*, actor, user, name: str = "") -> IssuedToken:
    """Issue a new token for ``user``. The returned ``secret`` is the only copy of it."""
    access.require_self_or_administrator(actor, user)
    if not user.is_active:
        raise ValidationError(_("An inactive person cannot be given an API token."))
    name = (name or "").strip()
    if len(name) > ApiToken._meta.get_field("name").max_length:
        raise ValidationError(_("The token name is too long."))
    secret = new_secret()
    token = ApiToken.objects.create(user=user, name=name, prefix=prefix_of(secret), key_hash=hash_secret(secret))
    record(actor, "api_token.create", token, user=user.username, name=name, prefix=token.prefix)
    return IssuedToken(token=token, secret=secret)


@transaction.atomic
def revoke_token(*, actor, token: ApiToken) -> ApiToken:
    """Revoke ``token`` now; a revoked token stays on record and never works again."""
    token = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
    access.require_self_or_administrator(actor, token.user)
    if token.revoked_at is not None:
        raise ValidationError(_("This token is already revoked."))
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record(actor, "api_token.revoke", token, user_id=token.user_id, prefix=token.prefix)
    return token
