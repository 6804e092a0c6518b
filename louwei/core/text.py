"""Normalising what people type: full-width characters, stray spaces, case."""

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def normalise(value) -> str:
    """NFKC-fold (full-width digits and letters become ASCII), trim and collapse spaces."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    text = text.replace("\u3000", " ").replace("\u200b", "")
    return _SPACES.sub(" ", text).strip()


def compact(value) -> str:
    """Like :func:`normalise` but removes every space (codes, phone numbers)."""
    return _SPACES.sub("", normalise(value))
