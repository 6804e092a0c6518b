"""Marking the words a search matched: everything is escaped, only the matches are wrapped in <mark>."""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_SPACES = re.compile(r"\s+")


def _pattern(terms) -> re.Pattern | None:
    terms = sorted({t for t in terms if t}, key=len, reverse=True)
    if not terms:
        return None
    return re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE)


def highlight(text: str, terms) -> SafeString:
    """``text`` escaped, with each occurrence of a term (any case) in ``<mark>``."""
    text = text or ""
    pattern = _pattern(terms)
    if pattern is None:
        return escape(text)
    out, position = [], 0
    for match in pattern.finditer(text):
        out.append(escape(text[position:match.start()]))
        out.append(f"<mark>{escape(match.group(0))}</mark>")
        position = match.end()
    out.append(escape(text[position:]))
    return mark_safe("".join(out))  # noqa: S308 (every piece above is escaped)


def excerpt(text: str, terms, width: int = 90) -> str:
    """About ``width`` characters of ``text`` around its first matching term (the start if none)."""
    text = _SPACES.sub(" ", text or "").strip()
    pattern = _pattern(terms)
    match = pattern.search(text) if pattern else None
    start = 0 if match is None else max(0, match.start() - width // 4)
    end = start + width
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
