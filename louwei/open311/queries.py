"""What the Open311 endpoint reads. Fixed query counts: one query per list, whatever its length."""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from louwei.cases.models import FINAL_STATUSES, OPEN_STATUSES, Case, CaseEvent, Category

MAX_REQUESTS = 1000  # GeoReport v2: at most 1000 requests per query


def services() -> QuerySet[Category]:
    """The services offered: active categories without an active sub-category, under an active parent."""
    active_children = Category.objects.filter(parent=OuterRef("pk"), is_active=True)
    return (
        Category.objects.filter(is_active=True)
        .filter(Q(parent__isnull=True) | Q(parent__is_active=True))
        .exclude(Exists(active_children))
        .select_related("parent")
        .order_by(Coalesce("parent__position", "position"), "position", "code")
    )


def service(code: str) -> Category | None:
    return services().filter(code=code).first()


def _latest_public_text():
    events = (
        CaseEvent.objects.filter(case=OuterRef("pk"), is_public=True).exclude(text="")
        .order_by("-created_at", "-pk").values("text")[:1]
    )
    return Subquery(events)


def requests(*, party_committee=None) -> QuerySet[Case]:
    """Cases as Open311 requests, newest first, limited to a district when the client's key is."""
    queryset = (
        Case.objects.select_related("category", "floor", "building", "handler")
        .annotate(status_notes=_latest_public_text())
        .order_by("-submitted_at", "-pk")
    )
    if party_committee is not None:
        queryset = queryset.filter(building__party_committee=party_committee)
    return queryset


def search(
    queryset: QuerySet[Case], *, numbers: list[str] | None = None, categories: list[Category] | None = None,
    start: datetime.datetime | None = None, end: datetime.datetime | None = None,
    statuses: set[str] | None = None,
) -> list[Case]:
    """GET requests: the numbers asked for (overriding everything else), or the cases of the services,
    submitted in [start, end], with the Open311 statuses asked for; at most :data:`MAX_REQUESTS`."""
    if numbers is not None:
        return list(queryset.filter(number__in=numbers)[:MAX_REQUESTS])
    if categories:
        queryset = queryset.filter(category__in=categories)
    if start is not None:
        queryset = queryset.filter(submitted_at__gte=start)
    if end is not None:
        queryset = queryset.filter(submitted_at__lte=end)
    if statuses and statuses != {"open", "closed"}:
        queryset = queryset.filter(status__in=OPEN_STATUSES if "open" in statuses else FINAL_STATUSES)
    return list(queryset[:MAX_REQUESTS])
