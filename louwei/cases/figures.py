"""The monthly figures of the rates, kept exact as cases change.

Services call, around every change of a case::

    before = figures.snapshot(case)      # None for a new case
    ...change and save the case...
    figures.record_change(before, case)

``record_change`` moves the case's contribution from the rows it counted in before to the rows it
counts in now, in the same transaction. ``rebuild`` recomputes every row from the cases.

A case counts in one row per dimension (see :class:`~.models.Dimension`): the building as a whole
(key ""), its floor, its floor leader ("" when the floor had none), its handler now ("" before it
is dispatched), its category and its channel, all in the month it was received (local time).
What each counter means is written in ``docs/metrics.md``; :func:`counters` says it in Python and
:func:`_sql_counters` says the same in SQL, and the tests hold them equal.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection, models, transaction
from django.db.models import CharField, DateField, F, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Cast, Coalesce, TruncMonth
from django.utils import timezone

from .models import Case, CaseFigure, Dimension, Rating, RatingSource, Status

COUNTERS = (
    "received", "responded", "responded_on_time", "declined", "merged", "to_resolve", "closed",
    "closed_on_time", "resolved", "rated", "satisfied", "basically", "dissatisfied", "reopened",
    "overdue", "follow_ups",
)

# The case field that gives each dimension's key ("" for the building as a whole).
DIMENSION_FIELDS = {
    Dimension.BUILDING: None,
    Dimension.FLOOR: "floor_id",
    Dimension.LEADER: "leader_id",
    Dimension.HANDLER: "handler_id",
    Dimension.CATEGORY: "category_id",
    Dimension.CHANNEL: "channel",
}


def month_of(moment: datetime.datetime) -> datetime.date:
    """The first day of the local month ``moment`` falls in (the cohort of a case)."""
    return timezone.localtime(moment).date().replace(day=1)


def counters(case: Case) -> dict[str, int]:
    """The counters one case adds to each of its rows (only the ones that are 1)."""
    if case.status == Status.MERGED:
        # A merged duplicate is out of every denominator: it counts once, through its original.
        return {"merged": 1}
    c = {"received": 1}
    if case.responded_at is not None:
        c["responded"] = 1
        if case.responded_at <= case.respond_by:
            c["responded_on_time"] = 1
    if case.status == Status.DECLINED:
        c["declined"] = 1  # responded, but out of the resolution and closure figures
    else:
        c["to_resolve"] = 1
        if case.first_closed_at is not None:
            c["closed"] = 1
            if case.first_closed_at <= case.due_at:  # the first closing against the first deadline
                c["closed_on_time"] = 1
        elif case.overdue_at is not None:
            c["overdue"] = 1  # still not closed once, and marked overdue
        if case.status == Status.CLOSED and (
            case.rating != Rating.DISSATISFIED
            or (case.rated_at is not None and case.closed_at is not None and case.rated_at < case.closed_at)
        ):
            c["resolved"] = 1
    if case.rating:
        c["rated"] = 1
        c[case.rating] = 1  # satisfied / basically / dissatisfied: the latest rating
        if case.rating_source == RatingSource.FOLLOW_UP:
            c["follow_ups"] = 1
    if case.reopen_count:
        c["reopened"] = 1
    return c


def _sql_counters() -> dict[str, Sum]:
    """The same counters as :func:`counters`, as aggregates over cases."""
    not_merged = ~Q(status=Status.MERGED)
    kept = not_merged & ~Q(status=Status.DECLINED)
    responded = not_merged & Q(responded_at__isnull=False)
    closed = kept & Q(first_closed_at__isnull=False)
    rated = not_merged & ~Q(rating="")
    conditions = {
        "received": not_merged,
        "responded": responded,
        "responded_on_time": responded & Q(responded_at__lte=F("respond_by")),
        "declined": Q(status=Status.DECLINED),
        "merged": Q(status=Status.MERGED),
        "to_resolve": kept,
        "closed": closed,
        "closed_on_time": closed & Q(first_closed_at__lte=F("due_at")),
        "resolved": Q(status=Status.CLOSED) & (~Q(rating=Rating.DISSATISFIED) | Q(rated_at__lt=F("closed_at"))),
        "rated": rated,
        "satisfied": not_merged & Q(rating=Rating.SATISFIED),
        "basically": not_merged & Q(rating=Rating.BASICALLY),
        "dissatisfied": not_merged & Q(rating=Rating.DISSATISFIED),
        "reopened": not_merged & Q(reopen_count__gt=0),
        "overdue": kept & Q(first_closed_at__isnull=True, overdue_at__isnull=False),
        "follow_ups": rated & Q(rating_source=RatingSource.FOLLOW_UP),
    }
    return {
        name: Sum(models.Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField()))
        for name, condition in conditions.items()
    }


@dataclass(frozen=True)
class Snapshot:
    """A case's contribution: the rows it counts in and the counters it adds to each."""

    building_id: int
    party_committee_id: int
    month: datetime.date
    keys: tuple[tuple[str, str], ...]  # (dimension, key) for each dimension
    counts: dict[str, int] = field(hash=False)

    def rows(self) -> dict[tuple, dict[str, int]]:
        where = (self.building_id, self.party_committee_id, self.month)
        return {(*where, dim, key): self.counts for dim, key in self.keys}


def _key(value) -> str:
    return "" if value is None else str(value)


def snapshot(case: Case | None) -> Snapshot | None:
    """The case's contribution to the figures as it stands (call before changing the case)."""
    if case is None or case.pk is None:
        return None
    keys = tuple(
        (str(dim), "" if name is None else _key(getattr(case, name))) for dim, name in DIMENSION_FIELDS.items()
    )
    return Snapshot(
        building_id=case.building_id,
        party_committee_id=case.building.party_committee_id,
        month=month_of(case.submitted_at),
        keys=keys,
        counts=counters(case),
    )


def _deltas(before: Snapshot | None, after: Snapshot | None) -> dict[tuple, dict[str, int]]:
    """Per row, the non-zero change of each counter."""
    change: dict[tuple, dict[str, int]] = defaultdict(dict)
    for snap, sign in ((before, -1), (after, 1)):
        if snap is None:
            continue
        for row, counts in snap.rows().items():
            for name, value in counts.items():
                change[row][name] = change[row].get(name, 0) + sign * value
    return {row: {k: v for k, v in c.items() if v} for row, c in change.items() if any(c.values())}


def record_change(before: Snapshot | None, case: Case | None) -> None:
    """Apply the difference between ``before`` (a snapshot, or None for a new case) and ``case`` now.

    One query whatever the change (see :func:`apply`), none when nothing counted changed. Call it
    inside the service's transaction, after saving the case."""
    apply(_deltas(before, snapshot(case)))


def apply(deltas: dict[tuple, dict[str, int]]) -> None:
    """Add ``deltas`` ({(building, district, month, dimension, key): {counter: delta}}) to the rows.

    One statement, ``INSERT … VALUES (each row with its deltas) ON CONFLICT (building, dimension,
    key, month) DO UPDATE SET n = n + excluded.n`` (PostgreSQL and SQLite alike): a missing row is
    created with the deltas, an existing one added to, atomically. The rows go in one sorted order,
    so two changes touching the same rows take their locks in the same order and never wait on each
    other in a circle (a change is one statement; ``merge`` makes two, one per case)."""
    if not deltas:
        return
    quote = connection.ops.quote_name
    table = quote(CaseFigure._meta.db_table)
    columns = ["building_id", "party_committee_id", "month", "dimension", "key", *COUNTERS]
    values, params = [], []
    for row in sorted(deltas):
        building_id, district_id, month, dim, key = row
        values.append(f"({', '.join(['%s'] * len(columns))})")
        params += [building_id, district_id, month.isoformat(), dim, key, *(deltas[row].get(c, 0) for c in COUNTERS)]
    sql = (
        f"INSERT INTO {table} ({', '.join(quote(c) for c in columns)}) VALUES {', '.join(values)} "
        f"ON CONFLICT ({', '.join(quote(c) for c in ('building_id', 'dimension', 'key', 'month'))}) DO UPDATE SET "
        + ", ".join(f"{quote(c)} = {table}.{quote(c)} + excluded.{quote(c)}" for c in COUNTERS)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def rebuild(buildings=None) -> int:
    """Recompute the figures of ``buildings`` (a queryset or list of buildings or ids; None: all)
    from the cases: the rows are deleted, then one ``INSERT … SELECT … GROUP BY`` per dimension
    writes them again inside the database (nothing per case or per row goes through Python).
    Returns the number of rows written. Run it when no case is changing (a quiet hour), or the
    changes made meanwhile in those buildings may be lost until the next rebuild."""
    cases = Case.objects.all()
    rows = CaseFigure.objects.all()
    if buildings is not None:
        ids = [getattr(b, "pk", b) for b in buildings]
        cases = cases.filter(building_id__in=ids)
        rows = rows.filter(building_id__in=ids)
    quote = connection.ops.quote_name
    columns = ["building_id", "party_committee_id", "month", "dimension", "key", *COUNTERS]
    aliases = ["f_building", "f_district", "f_month", "f_dimension", "f_key", *COUNTERS]
    month = TruncMonth("submitted_at", output_field=DateField(), tzinfo=timezone.get_current_timezone())
    written = 0
    with transaction.atomic(savepoint=False):
        rows.delete()
        for dim, name in DIMENSION_FIELDS.items():
            key = Value("") if name is None else Coalesce(Cast(F(name), CharField()), Value(""))
            grouped = (
                cases.annotate(f_building=F("building_id"), f_district=F("building__party_committee_id"),
                               f_month=month, f_dimension=Value(str(dim), output_field=CharField()), f_key=key)
                .values("f_building", "f_district", "f_month", "f_dimension", "f_key")
                .order_by()
                .annotate(**_sql_counters())
            )
            sql, params = grouped.query.sql_with_params()
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {quote(CaseFigure._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "
                    f"SELECT {', '.join('grouped.' + quote(a) for a in aliases)} FROM ({sql}) grouped",
                    params,
                )
                written += cursor.rowcount
    return written
