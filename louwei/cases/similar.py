"""Similar open cases, shown while someone writes a new one, so they can add "+1" to a case that is
already there instead of opening another (附议).

Bounded: one query reads at most :data:`CANDIDATES` open cases of the floor (newest first, through
the partial index of open cases by floor), and the ranking is done in Python on their words
(``louwei.core.search`` cuts Chinese into words with jieba). What is returned is what a stranger may
see: number, category, status, a short summary with phone-like digit runs masked; never who
submitted it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from louwei.core.search import query_terms, tokens

from .models import OPEN_STATUSES, Case, Category

CANDIDATES = 200  # the newest open cases of the floor that are compared
LIMIT = 5  # shown at most
MIN_SCORE = 2  # one shared word of two or more characters, or two single characters
SUMMARY_LENGTH = 40

# Runs of 5+ digits (phone numbers, ID numbers, room codes with a number) are masked in summaries.
_DIGITS = re.compile(r"[0-9０-９][0-9０-９ \-]{3,}[0-9０-９]")


@dataclass(frozen=True)
class SimilarCase:
    number: str
    category: Category
    status: str
    status_label: str
    summary: str
    supporter_count: int
    score: int


# Single characters that say nothing about what a case is about (besides the search stop words).
NOISE = frozenset("请 我 你 他 她 它 们 楼 层 号 室 个 很 太 不 没 吗 呢 吧 啊 呀 一 好 能 会 让 给 还 又".split())


def draft_terms(text: str) -> set[str]:
    """The words of a draft that are compared (stop words, noise characters and bare numbers dropped)."""
    return {term for term in query_terms(text or "") if term not in NOISE and not term.isdigit()}


def _weight(term: str) -> int:
    return 2 if len(term) >= 2 else 1


def score(terms: set[str], description: str) -> int:
    """How much ``description`` shares with a draft's ``terms``: 2 per shared word of two or more
    characters, 1 per shared single character."""
    words = set(tokens(description))
    return sum(_weight(term) for term in terms & words)


def masked_summary(description: str, length: int = SUMMARY_LENGTH) -> str:
    text = " ".join(_DIGITS.sub("•••", description or "").split())
    return text if len(text) <= length else text[: length - 1] + "…"


def candidates(floor, category: Category | None = None):
    """The open cases compared: of ``floor`` (and ``category``), newest :data:`CANDIDATES`."""
    qs = Case.objects.filter(floor=floor, status__in=OPEN_STATUSES)
    if category is not None:
        qs = qs.filter(category=category)
    return (
        qs.select_related("category")
        .only("number", "status", "description", "supporter_count", "submitted_at", "category")
        .order_by("-submitted_at", "-pk")[:CANDIDATES]
    )


def similar_open_cases(floor, text: str, category: Category | None = None, *, limit: int = LIMIT,
                       exclude: str = "") -> list[SimilarCase]:
    """Up to ``limit`` open cases of ``floor`` (and ``category``, if given) whose text shares words
    with ``text``, best match first (then more supporters, then newest). One query; none when the
    draft has no words yet."""
    terms = draft_terms(text)
    if not terms:
        return []
    ranked = []
    for position, case in enumerate(candidates(floor, category)):
        if case.number == exclude:
            continue
        points = score(terms, case.description)
        if points >= MIN_SCORE:
            ranked.append((points, case.supporter_count, -position, case))
    ranked.sort(key=lambda item: item[:3], reverse=True)
    return [
        SimilarCase(
            number=case.number, category=case.category, status=case.status,
            status_label=str(case.get_status_display()), summary=masked_summary(case.description),
            supporter_count=case.supporter_count, score=points,
        )
        for points, _supporters, _position, case in ranked[:limit]
    ]
