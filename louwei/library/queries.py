"""What the library page (and later the API) reads: :func:`search` hides the database's full-text
engine. Query counts do not grow with the number of policies.

Who sees what: exactly the published policies that ``louwei.notices.queries.notices_for`` lets the
person see (staff: their district's or building's; enterprise people: those delivered to their
enterprise), so the library never lists a policy whose page would refuse them. Among those, the
policies delivered to the person's own enterprise come first.

Matching: the query is cut into words (``louwei.core.search.query_terms``) that must all be found in
the segmented text: PostgreSQL ``tsvector @@ plainto_tsquery('simple', …)`` ranked by ``ts_rank`` (title
words weigh A, the rest B); SQLite FTS5 ``MATCH`` ranked by ``bm25`` (title column weighs 10, the
rest 1). When no document has all the words (a single character such as 税, a word cut differently in
the text), the query falls back to a plain substring search over the text, trigram-indexed on
PostgreSQL, with title hits first.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramWordSimilarity
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from louwei import access
from louwei.access import Action
from louwei.core.search import query_terms
from louwei.core.text import normalise
from louwei.notices.models import Delivery, NoticeKind
from louwei.notices.queries import notices_for

from .models import PolicyDocument

PER_PAGE = 20


@dataclass
class Filters:
    topic: str = ""
    issuing_body: str = ""
    published_from: datetime.date | None = None
    published_to: datetime.date | None = None
    in_force: bool = False

    @classmethod
    def of(cls, values) -> Filters:
        if isinstance(values, Filters):
            return values
        values = values or {}
        return cls(**{name: values.get(name) or cls.__dataclass_fields__[name].default
                      for name in cls.__dataclass_fields__})

    @property
    def active_count(self) -> int:
        return sum(bool(v) for v in (self.topic, self.issuing_body, self.published_from or self.published_to,
                                     self.in_force))


@dataclass
class SearchResult:
    page: Page
    text: str = ""
    terms: list[str] = field(default_factory=list)  # the words to highlight
    matched_by: str = ""  # "words" (full text), "text" (substring fallback) or "" (no query)

    @property
    def total(self) -> int:
        return self.page.paginator.count


def own_enterprise_ids(user) -> set[int]:
    """The enterprises the person belongs to (contact or employee roles)."""
    return access.scope(user, Action.ENTERPRISE_VIEW).enterprises


def visible(user) -> QuerySet[PolicyDocument]:
    """The library entries ``user`` may see (no query is run here)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return PolicyDocument.objects.none()
    return PolicyDocument.objects.filter(notice_id__in=notices_for(user, kind=NoticeKind.POLICY).values("pk"))


def in_force_q(on: datetime.date | None = None) -> Q:
    """In force on ``on``: effective (no date means since publication) and not expired."""
    on = on or timezone.localdate()
    return (Q(effective_on__isnull=True) | Q(effective_on__lte=on)) & (
        Q(expires_on__isnull=True) | Q(expires_on__gte=on)
    )


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def apply_filters(qs: QuerySet[PolicyDocument], filters: Filters) -> QuerySet[PolicyDocument]:
    if filters.topic:
        qs = qs.filter(topic=filters.topic)
    if filters.issuing_body:
        qs = qs.filter(issuing_body=filters.issuing_body)
    if filters.published_from:
        qs = qs.filter(published_at__gte=_start_of(filters.published_from))
    if filters.published_to:
        qs = qs.filter(published_at__lt=_start_of(filters.published_to + datetime.timedelta(days=1)))
    if filters.in_force:
        qs = qs.filter(in_force_q())
    return qs


def _fts5_match(terms: list[str]) -> str:
    """An FTS5 query in which every term must appear (each quoted as a phrase)."""
    return " ".join('"' + term.replace('"', '""') + '"' for term in terms)


def match_words(qs: QuerySet[PolicyDocument], terms: list[str]) -> QuerySet[PolicyDocument]:
    """Documents containing every term, annotated ``relevance`` (higher is better)."""
    if connection.vendor == "postgresql":
        query = SearchQuery(" ".join(terms), config="simple", search_type="plain")
        return qs.filter(search_vector=query).annotate(relevance=SearchRank(F("search_vector"), query))
    if connection.vendor == "sqlite":
        # One join with the FTS5 table; its `rank` is bm25 with the weights the migration set (smaller is better).
        return qs.filter(fts__match=_fts5_match(terms)).annotate(relevance=-F("fts__rank"))
    raise NotImplementedError(f"no full-text search on {connection.vendor}")


def match_text(qs: QuerySet[PolicyDocument], pieces: list[str]) -> QuerySet[PolicyDocument]:
    """The fallback: documents whose text contains every piece, title hits first."""
    for piece in pieces:
        qs = qs.filter(content__icontains=piece)
    title_hit = Q()
    for piece in pieces:
        title_hit &= Q(title__icontains=piece)
    qs = qs.annotate(title_hit=Case(When(title_hit, then=Value(1.0)), default=Value(0.0), output_field=FloatField()))
    if connection.vendor == "postgresql":
        return qs.annotate(relevance=F("title_hit") + TrigramWordSimilarity(" ".join(pieces), "content"))
    return qs.annotate(relevance=F("title_hit"))


def search(user, text: str = "", filters=None, *, page=1, per_page: int = PER_PAGE) -> SearchResult:
    """One page of the library for ``user``: matching ``text`` (all its words), narrowed by ``filters``
    (a :class:`Filters` or a dict of its fields), the person's enterprise's policies first, then by
    relevance when there is a query, else newest first."""
    filters = Filters.of(filters)
    text = normalise(text)
    base = apply_filters(visible(user), filters)
    own = own_enterprise_ids(user)
    if own:
        base = base.annotate(targeted=Exists(Delivery.objects.filter(notice_id=OuterRef("pk"), enterprise_id__in=own)))
    else:
        base = base.annotate(targeted=Value(False, output_field=BooleanField()))
    newest = ("-published_at", "-notice_id")
    if not text:
        paginator = Paginator(base.order_by("-targeted", *newest), per_page)
        return SearchResult(page=paginator.get_page(page))
    terms = query_terms(text)
    if terms:
        qs = match_words(base, terms).order_by("-targeted", "-relevance", *newest)
        paginator = Paginator(qs, per_page)
        if paginator.count:
            return SearchResult(page=paginator.get_page(page), text=text, terms=terms, matched_by="words")
    pieces = text.split(" ")
    qs = match_text(base, pieces).order_by("-targeted", "-relevance", *newest)
    return SearchResult(page=Paginator(qs, per_page).get_page(page), text=text, terms=pieces, matched_by="text")


def facets(user) -> dict[str, list[str]]:
    """The topics and issuing bodies found in the person's library, for the filter choices (two queries)."""
    docs = visible(user).order_by()
    return {
        "topics": list(docs.exclude(topic="").values_list("topic", flat=True).distinct().order_by("topic")),
        "issuers": list(
            docs.exclude(issuing_body="").values_list("issuing_body", flat=True).distinct().order_by("issuing_body")
        ),
    }
