"""Keeping the search index current: one :class:`PolicyDocument` row per published policy.

Called by the receivers of the notices signals and by ``rebuild_policy_index``. Not a user action:
no audit record (the notice's own publication and withdrawal are audited by the notices app).
"""

from __future__ import annotations

import re

from django.contrib.postgres.search import SearchVector
from django.db import connection, transaction

from louwei.core.search import segment
from louwei.notices.models import Notice, NoticeKind, NoticeStatus

from .models import FTS_TABLE, PolicyDocument

# Markdown marks that would only clutter a snippet: emphasis, headings, quotes, code, list bullets.
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_MARKS = re.compile(r"(^|\s)(#{1,6}|>|[-*+]|\d+\.)\s+|[*_`~]{1,3}", re.MULTILINE)
_SPACES = re.compile(r"[ \t]+")


def plain_text(markdown: str) -> str:
    """The readable words of a Markdown body (links keep their text)."""
    text = _MD_LINK.sub(r"\1", markdown or "")
    text = _MD_MARKS.sub(lambda m: m.group(1) or "", text)
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.splitlines() if line.strip())


def belongs(notice: Notice) -> bool:
    """Is the notice in the library? Published policies only."""
    return notice.kind == NoticeKind.POLICY and notice.status == NoticeStatus.PUBLISHED


def _values(notice: Notice) -> dict:
    body = plain_text(notice.body)
    rest = "\n".join(part for part in (notice.issuing_body, notice.document_number, body) if part)
    return {
        "title": notice.title,
        "issuing_body": notice.issuing_body,
        "document_number": notice.document_number,
        "topic": notice.topic,
        "effective_on": notice.effective_on,
        "expires_on": notice.expires_on,
        "published_at": notice.published_at,
        "party_committee_id": notice.party_committee_id,
        "building_id": notice.building_id,
        "body": body,
        "content": "\n".join(part for part in (notice.title, rest) if part),
        "title_tokens": segment(notice.title),
        "tokens": segment(rest),
    }


def _vector():
    return SearchVector("title_tokens", weight="A", config="simple") + SearchVector(
        "tokens", weight="B", config="simple"
    )


def _write_fts(rows: list[tuple[int, str, str]]) -> None:
    """SQLite: replace the FTS5 rows of these documents (rowid, title tokens, other tokens)."""
    if not rows:
        return
    with connection.cursor() as cursor:
        cursor.executemany(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [(r[0],) for r in rows])
        cursor.executemany(f"INSERT INTO {FTS_TABLE} (rowid, title, body) VALUES (%s, %s, %s)", rows)


def _delete_fts(ids) -> None:
    ids = list(ids)
    if connection.vendor != "sqlite" or not ids:
        return
    with connection.cursor() as cursor:
        cursor.executemany(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [(i,) for i in ids])


def _sync_text(ids: list[int], rows: list[tuple[int, str, str]]) -> None:
    if connection.vendor == "postgresql":
        PolicyDocument.objects.filter(pk__in=ids).update(search_vector=_vector())
    elif connection.vendor == "sqlite":
        _write_fts(rows)


@transaction.atomic
def index_notice(notice: Notice) -> PolicyDocument | None:
    """Add, refresh or drop the notice's library entry, as its kind and status say."""
    if not belongs(notice) or notice.published_at is None:
        remove_notice(notice.pk)
        return None
    values = _values(notice)
    document, _created = PolicyDocument.objects.update_or_create(notice_id=notice.pk, defaults=values)
    _sync_text([notice.pk], [(notice.pk, values["title_tokens"], values["tokens"])])
    return document


@transaction.atomic
def remove_notice(notice_id: int) -> None:
    PolicyDocument.objects.filter(pk=notice_id).delete()
    _delete_fts([notice_id])


@transaction.atomic
def rebuild(batch_size: int = 500) -> int:
    """Index every published policy afresh; returns how many are in the library."""
    PolicyDocument.objects.all().delete()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE}")
    notices = (
        Notice.objects.filter(kind=NoticeKind.POLICY, status=NoticeStatus.PUBLISHED, published_at__isnull=False)
        .order_by("pk")
    )
    total = 0
    batch: list[PolicyDocument] = []

    def flush():
        nonlocal total
        if not batch:
            return
        PolicyDocument.objects.bulk_create(batch)
        _sync_text([d.pk for d in batch], [(d.pk, d.title_tokens, d.tokens) for d in batch])
        total += len(batch)
        batch.clear()

    for notice in notices.iterator(chunk_size=batch_size):
        batch.append(PolicyDocument(notice_id=notice.pk, **_values(notice)))
        if len(batch) >= batch_size:
            flush()
    flush()
    return total
