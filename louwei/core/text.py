"""Normalising what people type: full-width characters, stray spaces, case; and the characters no
text of ours may hold.

**Control characters.** Text that reaches us may carry characters nobody types on purpose: NUL and
the other C0 controls but tab, line feed and carriage return, DEL, the C1 controls, lone UTF-16
surrogates (JSON can spell them) and the two non-characters U+FFFE and U+FFFF. PostgreSQL refuses a
NUL in any string, XML and Excel refuse the others, and none has a meaning in a name, a description or
a search. :data:`CONTROL_CHARACTERS` is that set, and it is kept out in one place, the kernel, at each
way in: everything that comes through the web (forms, the API, Open311) passes
``louwei.core.middleware`` (stripped from form and JSON bodies and headers, refused in a path or a
query string); spreadsheet cells pass :func:`normalise`; every management command's arguments are
stripped before it runs, and a model's text fields once more before any save
(``louwei.core.hooks``). Outputs (Excel, XML) strip what an older row may still hold:
:func:`strip_controls`.
"""

import re
import unicodedata

_SPACES = re.compile(r"\s+")
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def has_controls(value) -> bool:
    """Does the string ``value`` hold a character of :data:`CONTROL_CHARACTERS`?"""
    return isinstance(value, str) and CONTROL_CHARACTERS.search(value) is not None


def strip_controls(value):
    """``value`` without the characters of :data:`CONTROL_CHARACTERS` (tab and line breaks stay);
    anything but a string is returned as it is."""
    if not isinstance(value, str):
        return value
    return CONTROL_CHARACTERS.sub("", value)


def normalise(value) -> str:
    """NFKC-fold (full-width digits and letters become ASCII), trim and collapse spaces."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", strip_controls(str(value)))
    text = text.replace("\u3000", " ").replace("\u200b", "")
    return _SPACES.sub(" ", text).strip()


def compact(value) -> str:
    """Like :func:`normalise` but removes every space (codes, phone numbers)."""
    return _SPACES.sub("", normalise(value))
