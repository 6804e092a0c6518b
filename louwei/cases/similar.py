"""Similar open cases, shown while someone writes a new one, so they can add "+1" to a case that is
already there instead of opening another (附议).

Bounded: one query reads at most :data:`CANDIDATES` open cases of the floor (newest first, through
the partial index of open cases by floor), and the ranking is done in Python on their words
(``louwei.core.search`` cuts Chinese into words with jieba). What is returned is what a stranger may
see: number, category, status, a short summary with phone-like digit runs, e-mail addresses and
people's names masked; never who submitted it.
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


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
# The surname before a form of address: 张先生, 李女士, 王经理, 刘师傅, 赵书记 …
_ADDRESSED = re.compile(r"[\u4e00-\u9fff](?=(先生|女士|小姐|经理|总监|主任|老师|师傅|书记|律师|医生|阿姨|同学))")


def mask_personal(text: str, names=()) -> str:
    """``text`` with what names or reaches a person masked: runs of digits (phones, ID numbers), e-mail
    addresses, the ``names`` given (the submitter's), names before a form of address and the words
    jieba tags as a person's name (``nr``)."""
    import jieba.posseg

    from louwei.core.search import tokenizer

    text = _EMAIL.sub("•••", _DIGITS.sub("•••", text or ""))
    for name in names:
        if name and len(name.strip()) >= 2:
            text = text.replace(name.strip(), "••")
    text = _ADDRESSED.sub("•", text)
    tokenizer()  # jieba initialised once, with the policy words
    return "".join("••" if word.flag.startswith("nr") else word.word for word in jieba.posseg.cut(text))


def masked_summary(description: str, length: int = SUMMARY_LENGTH, names=()) -> str:
    """The first words of a case for a stranger: :func:`mask_personal`, shortened to ``length``."""
    text = " ".join(mask_personal(description, names).split())
    return text if len(text) <= length else text[: length - 1] + "…"


def candidates(floor, category: Category | None = None):
    """The open cases compared: of ``floor`` (and ``category``), newest :data:`CANDIDATES`."""
    qs = Case.objects.filter(floor=floor, status__in=OPEN_STATUSES)
    if category is not None:
        qs = qs.filter(category=category)
    return (
        qs.select_related("category")
        .only("number", "status", "description", "supporter_count", "submitted_at", "category", "submitter_name")
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
            status_label=str(case.get_status_display()),
            summary=masked_summary(case.description, names=[case.submitter_name]),
            supporter_count=case.supporter_count, score=points,
        )
        for points, _supporters, _position, case in ranked[:limit]
    ]


def supportable(floor, number: str) -> Case | None:
    """The case "+1" may be added to from ``floor``'s page: one of the open cases the floor's
    similar-cases hint compares (:func:`candidates`), else None, whether the number does not exist,
    is another floor's, or is closed (the same answer for each)."""
    return (Case.objects.filter(pk__in=candidates(floor).values("pk"), number=(number or "").strip())
            .select_related("floor", "category").first())

