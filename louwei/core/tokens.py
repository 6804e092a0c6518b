"""Making and checking token secrets, the one way: only a SHA-256 of a secret is stored, and a presented
secret is compared with it in constant time. Used by the API's bearer tokens, Open311's client keys and
the cases' private tracking links."""

from __future__ import annotations

import hashlib
import hmac
import secrets

PREFIX_LENGTH = 8


def new_secret() -> str:
    """A fresh token: 43 URL-safe characters (256 random bits), never starting with "-", which a shell
    command (``revoke_api_token USERNAME PREFIX``) would read as an option."""
    while True:
        secret = secrets.token_urlsafe(32)
        if not secret.startswith("-"):
            return secret


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def prefix_of(secret: str) -> str:
    return secret[:PREFIX_LENGTH]


def matches(secret: str, key_hash: str) -> bool:
    """Constant-time comparison of ``secret``'s hash with a stored hash."""
    return hmac.compare_digest(hash_secret(secret), key_hash)
