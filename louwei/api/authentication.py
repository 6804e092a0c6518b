"""``Authorization: Bearer TOKEN`` for the REST API."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from louwei.accounts import ratelimit

from .models import ApiToken
from louwei.core.tokens import PREFIX_LENGTH, matches, prefix_of

# ``last_used_at`` is written at most this often per token, so busy clients cost no write per request.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


class BearerTokenAuthentication(BaseAuthentication):
    """Finds the token by its prefix and compares the SHA-256 of the secret in constant time.

    Revoked tokens and tokens of inactive people are refused (401). Each refusal counts as a failed
    attempt of the client's address; after ``LOUWEI_LOGIN_RATE`` of them the address is locked out
    (429, even with a valid token) for a while (``louwei.accounts.ratelimit``).
    """

    keyword = "Bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        wait = ratelimit.locked(request._request, ratelimit.API_TOKEN)
        if wait:
            raise exceptions.Throttled(wait, detail=str(_("Too many failed API token attempts from this address.")))
        try:
            return self._check(parts)
        except exceptions.AuthenticationFailed:
            ratelimit.failed(request._request, ratelimit.API_TOKEN)
            raise

    def _check(self, parts):
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid Authorization header: give “Bearer” and one token."))
        try:
            secret = parts[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(_("Invalid API token.")) from exc
        return self.authenticate_credentials(secret)

    def authenticate_credentials(self, secret: str):
        if len(secret) <= PREFIX_LENGTH:
            raise exceptions.AuthenticationFailed(_("Invalid API token."))
        candidates = ApiToken.objects.filter(prefix=prefix_of(secret)).select_related("user")
        token = None
        for candidate in candidates:
            if matches(secret, candidate.key_hash):
                token = candidate
        if token is None or token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("Invalid API token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("The token's owner is inactive."))
        self._touch(token)
        return token.user, token

    @staticmethod
    def _touch(token: ApiToken) -> None:
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'
