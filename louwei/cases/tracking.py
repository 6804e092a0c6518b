"""The private tracking link a visitor receives: ``/t/<number>/<token>/``.

Only a SHA-256 hash of the token is stored on the case, so a database leak does not open the
links; the token itself is shown once, on the page after submission (and printed on the slip).
"""

from __future__ import annotations

import secrets

from louwei.core.tokens import hash_secret, matches

# The name the tracking pages use; the one hash of every token.
hash_token = hash_secret


def new_token() -> tuple[str, str]:
    """A fresh token and the hash to store on the case (hashed as every token is: ``core.tokens``)."""
    token = secrets.token_urlsafe(12)
    return token, hash_token(token)


def token_matches(case, token: str) -> bool:
    """Does ``token`` open ``case``? Constant-time; a case without a link never matches."""
    if not case.tracking_hash or not token:
        return False
    return matches(token, case.tracking_hash)
