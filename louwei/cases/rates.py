"""Reading the rates (三率 and on-time closure) from the monthly figures, for any scope, period and
dimension. Definitions: ``docs/metrics.md``.

Everything here reads :class:`~.models.CaseFigure` only, never the cases: a page costs the same
handful of queries at a hundred cases or a million (one for the monthly series, whose sum is the
total, one for the rows of a dimension, one for their labels).

A scope is a :class:`~louwei.buildings.models.Building`, a
:class:`~louwei.buildings.models.PartyCommittee` (a district) or ``None`` (everything, for a
superuser). Who may read which scope is the views' question (``permissions.may_view_figures``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, fields

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import FilteredRelation, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy

from louwei.accounts.models import RoleKind
from louwei.buildings.models import Building, Floor, PartyCommittee

from .figures import COUNTERS
from .models import CaseFigure, Category, Channel, Dimension, Handler

# The four rates: name → (numerator, denominator) as Figures attributes.
RATES = {
    "response": ("responded", "received"),
    "resolution": ("resolved", "to_resolve"),
    "satisfaction": ("satisfied_or_basically", "rated"),
    "on_time": ("closed_on_time", "due"),
}
RATE_LABELS = {
    "response": _("Response rate"),
    "resolution": _("Resolution rate"),
    "satisfaction": _("Satisfaction rate"),
    "on_time": _("On-time closure rate"),
}
DISTRICT = "district"  # a pseudo-dimension of the whole view: the districts side by side

DIMENSION_LABELS = {
    Dimension.BUILDING: pgettext_lazy("figures", "Buildings"),
    Dimension.FLOOR: pgettext_lazy("figures", "Floors"),
    Dimension.LEADER: pgettext_lazy("figures", "Floor leaders"),
    Dimension.HANDLER: pgettext_lazy("figures", "Handlers"),
    Dimension.CATEGORY: pgettext_lazy("figures", "Categories"),
    Dimension.CHANNEL: pgettext_lazy("figures", "Channels"),
    DISTRICT: pgettext_lazy("figures", "Districts"),
}


def percent(value: float | None) -> str:
    """A rate as shown on pages: one decimal and a percent sign, "—" when there is nothing to rate."""
    return "—" if value is None else f"{value * 100:.1f}%"


@dataclass
class Figures:
    """The counters of some cases (one row, one month, a total) and the rates they give."""

    received: int = 0
    responded: int = 0
    responded_on_time: int = 0
    declined: int = 0
    merged: int = 0
    to_resolve: int = 0
    closed: int = 0
    closed_on_time: int = 0
    resolved: int = 0
    rated: int = 0
    satisfied: int = 0
    basically: int = 0
    dissatisfied: int = 0
    reopened: int = 0
    overdue: int = 0
    follow_ups: int = 0

    @classmethod
    def of(cls, values: dict) -> Figures:
        return cls(**{name: values.get(name) or 0 for name in COUNTERS})

    def add(self, other: Figures) -> Figures:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        return self

    @property
    def satisfied_or_basically(self) -> int:
        return self.satisfied + self.basically

    @property
    def due(self) -> int:
        """Cases that should have been closed by now: closed at least once, or marked overdue."""
        return self.closed + self.overdue

    def rate(self, name: str) -> float | None:
        numerator, denominator = RATES[name]
        d = getattr(self, denominator)
        return getattr(self, numerator) / d if d else None

    @property
    def response_rate(self) -> float | None:
        return self.rate("response")

    @property
    def resolution_rate(self) -> float | None:
        return self.rate("resolution")

    @property
    def satisfaction_rate(self) -> float | None:
        return self.rate("satisfaction")

    @property
    def on_time_rate(self) -> float | None:
        return self.rate("on_time")

    @property
    def on_time_response_rate(self) -> float | None:
        return self.responded_on_time / self.received if self.received else None

    @property
    def shown(self) -> dict[str, str]:
        """The four rates as text (for templates: ``figures.shown.response``)."""
        return {name: percent(self.rate(name)) for name in RATES}


assert tuple(f.name for f in fields(Figures)) == COUNTERS  # _of() relies on it


@dataclass
class Row:
    key: str
    label: str
    figures: Figures
    worst: set[str] = field(default_factory=set)  # the rates this row is the worst at
    code: str = ""  # a building's or district's code, for links
    url: str = ""  # set by the page: where the row leads


@dataclass
class Period:
    kind: str
    first: datetime.date  # the first day of the first month
    last: datetime.date  # the first day of the last month

    @property
    def months(self) -> list[datetime.date]:
        result, month = [], self.first
        while month <= self.last:
            result.append(month)
            month = add_months(month, 1)
        return result

    @property
    def label(self) -> str:
        if self.first == self.last:
            return f"{self.first:%Y-%m}"
        return f"{self.first:%Y-%m} – {self.last:%Y-%m}"


PERIODS = {
    "month": _("This month"),
    "last_month": _("Last month"),
    "quarter": _("This quarter"),
    "year": _("This year"),
    "12m": _("Last 12 months"),
    "custom": _("Months from … to …"),
}
DEFAULT_PERIOD = "12m"
LONGEST_PERIOD = 120  # months a custom period may span


def add_months(month: datetime.date, n: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


def period(kind: str = DEFAULT_PERIOD, first: datetime.date | None = None, last: datetime.date | None = None,
           today: datetime.date | None = None) -> Period:
    """The named period around ``today`` (local), or the custom months ``first``..``last``."""
    this = (today or timezone.localdate()).replace(day=1)
    if kind == "month":
        return Period(kind, this, this)
    if kind == "last_month":
        return Period(kind, add_months(this, -1), add_months(this, -1))
    if kind == "quarter":
        return Period(kind, this.replace(month=(this.month - 1) // 3 * 3 + 1), this)
    if kind == "year":
        return Period(kind, this.replace(month=1), this)
    if kind == "custom" and first and last:
        first, last = sorted((first.replace(day=1), last.replace(day=1)))
        first = max(first, add_months(last, -(LONGEST_PERIOD - 1)))
        return Period(kind, first, last)
    return Period("12m", add_months(this, -11), this)


# ----------------------------------------------------------------------------------------------
# Reading


SUMS = {name: Sum(name) for name in COUNTERS}


def _sums(scope, period: Period, dimension: str, group: str | None) -> list[tuple]:
    """``SELECT group, SUM(…) … GROUP BY group`` over the scope's rows of one dimension in the period.

    Written out once as SQL (not through the ORM): the dashboards run it on every view, and
    compiling sixteen sums each time cost more than running them. Rows: (group value, *COUNTERS)."""
    quote = connection.ops.quote_name
    where, params = [f"{quote('dimension')} = %s", f"{quote('month')} BETWEEN %s AND %s"], \
        [str(dimension), period.first.isoformat(), period.last.isoformat()]
    if isinstance(scope, Building):
        where.insert(0, f"{quote('building_id')} = %s")
        params.insert(0, scope.pk)
    elif isinstance(scope, PartyCommittee):
        where.insert(0, f"{quote('party_committee_id')} = %s")
        params.insert(0, scope.pk)
    elif scope is not None:
        raise TypeError(f"no figures for {type(scope).__name__}")
    sums = ", ".join(f"SUM({quote(name)})" for name in COUNTERS)
    sql = (f"SELECT {quote(group) if group else 'NULL'}, {sums} FROM {quote(CaseFigure._meta.db_table)} "
           f"WHERE {' AND '.join(where)}" + (f" GROUP BY {quote(group)}" if group else ""))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _of(values: tuple) -> Figures:
    return Figures(*(value or 0 for value in values))


def _month(value) -> datetime.date:
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value)[:10])


def series(scope, period: Period) -> list[tuple[datetime.date, Figures]]:
    """The scope's figures month by month over the period (months without cases included). One query."""
    found = {_month(month): _of(values) for month, *values in _sums(scope, period, Dimension.BUILDING, "month")}
    return [(month, found.get(month, Figures())) for month in period.months]


def total(scope, period: Period) -> Figures:
    """The scope's figures over the period. One query."""
    row = _sums(scope, period, Dimension.BUILDING, None)[0]  # (NULL, *sums): one row, sums NULL when empty
    return _of(row[1:])


def dimensions_of(scope) -> list[str]:
    """The dimensions that make sense for a scope, in the order of the tabs."""
    if isinstance(scope, Building):
        return [Dimension.FLOOR, Dimension.LEADER, Dimension.HANDLER, Dimension.CATEGORY, Dimension.CHANNEL]
    if isinstance(scope, PartyCommittee):
        return [Dimension.BUILDING, Dimension.LEADER, Dimension.HANDLER, Dimension.CATEGORY, Dimension.CHANNEL]
    return [DISTRICT, Dimension.BUILDING, Dimension.HANDLER, Dimension.CATEGORY, Dimension.CHANNEL]


def rows(scope, period: Period, dimension: str, sort: str = "received") -> list[Row]:
    """The scope's figures over the period, one row per key of ``dimension`` (a building's floors,
    a district's buildings …), labelled, sorted and with the worst of each rate marked.
    Two queries (the sums, the labels)."""
    if dimension in (Dimension.BUILDING, DISTRICT) and not isinstance(scope, Building):
        group = "building_id" if dimension == Dimension.BUILDING else "party_committee_id"
        found = _sums(scope, period, Dimension.BUILDING, group)
    else:
        found = _sums(scope, period, dimension, "key")
    result = [Row(str(key), "", _of(values)) for key, *values in found]
    result = [row for row in result if row.figures.received or row.figures.merged]
    _label(result, dimension, with_building=not isinstance(scope, Building))
    _mark_worst(result)
    return sort_rows(result, sort)


SORTS = ("received", "label", *RATES)


def sort_rows(result: list[Row], sort: str) -> list[Row]:
    """By cases received (most first), by label, or by a rate (worst first, rows without it last)."""
    if sort == "label":
        return sorted(result, key=lambda row: row.label)
    if sort in RATES:
        return sorted(result, key=lambda row: (row.figures.rate(sort) is None, row.figures.rate(sort) or 0,
                                               -row.figures.received, row.label))
    return sorted(result, key=lambda row: (-row.figures.received, row.label))


def _mark_worst(result: list[Row]) -> None:
    """Mark, for each rate, the rows at its lowest value when the rows differ (two rows or more)."""
    for name in RATES:
        values = [row.figures.rate(name) for row in result]
        present = [v for v in values if v is not None]
        if len(present) < 2 or min(present) == max(present):
            continue
        lowest = min(present)
        for row, value in zip(result, values, strict=True):
            if value == lowest:
                row.worst.add(name)


NO_LEADER = _("No floor leader")
LEADER_WITH_FLOORS = _("%(name)s (%(floors)s)")
NOT_DISPATCHED = _("Not dispatched yet")


def _ids(result: list[Row]) -> list[int]:
    return [int(row.key) for row in result if row.key.isdigit()]


def _leaders(user_ids: list[int], *, with_building: bool) -> list[tuple[int, str, list[str]]]:
    """Each person's name and the floors they lead (or, if none now, the floors they led), as
    labels: one query, the people joined to their floor-leader roles."""
    names: dict[int, str] = {}
    current: dict[int, list[str]] = {}
    former: dict[int, list[str]] = {}
    rows = (get_user_model().objects.filter(pk__in=user_ids)
            .annotate(led=FilteredRelation("roles", condition=Q(roles__kind=RoleKind.FLOOR_LEADER)))
            .order_by("pk", "led__floor__building__name", "led__floor__number")
            .values_list("pk", "name", "username", "led__floor__number", "led__floor__building__name", "led__ended_at"))
    for pk, name, username, number, building, ended_at in rows:
        names[pk] = name or username
        if number is None:
            continue
        label = str(Floor(number=number).label)
        label = f"{building} {label}" if with_building else label
        found = (current if ended_at is None else former).setdefault(pk, [])
        if label not in found:
            found.append(label)
    return [(pk, name, current.get(pk) or former.get(pk, [])) for pk, name in names.items()]


def _label(result: list[Row], dimension: str, *, with_building: bool) -> None:
    """Name each row's key, with one query for the dimension."""
    if not result:
        return
    names: dict[str, str] = {}
    ids = _ids(result)
    if dimension == Dimension.FLOOR:
        for pk, number, building in Floor.objects.filter(pk__in=ids).values_list("pk", "number", "building__name"):
            label = str(Floor(number=number).label)
            names[str(pk)] = f"{building} {label}" if with_building else label
    elif dimension == Dimension.LEADER:
        for pk, name, floors in _leaders(ids, with_building=with_building):
            names[str(pk)] = (LEADER_WITH_FLOORS % {"name": name, "floors": pgettext("list separator", ", ").join(floors)}
                              if floors else name)
        names[""] = str(NO_LEADER)
    elif dimension == Dimension.HANDLER:
        names.update((str(pk), name) for pk, name in Handler.objects.filter(pk__in=ids).values_list("pk", "name"))
        names[""] = str(NOT_DISPATCHED)
    elif dimension == Dimension.CATEGORY:
        for category in Category.objects.filter(pk__in=ids).select_related("parent"):
            names[str(category.pk)] = (f"{category.parent.label} · {category.label}" if category.parent
                                       else category.label)
    elif dimension == Dimension.CHANNEL:
        names.update((value, str(label)) for value, label in Channel.choices)
    elif dimension in (Dimension.BUILDING, DISTRICT):
        model = Building if dimension == Dimension.BUILDING else PartyCommittee
        codes = {}
        for pk, name, code in model.objects.filter(pk__in=ids).values_list("pk", "name", "code"):
            names[str(pk)], codes[str(pk)] = name, code
        for row in result:
            row.code = codes.get(row.key, "")
    for row in result:
        row.label = names.get(row.key) or f"#{row.key}"


@dataclass
class Report:
    """What a dashboard shows: the total, the months, the rows of one dimension."""

    scope: object
    period: Period
    dimension: str
    total: Figures
    months: list[tuple[datetime.date, Figures]]
    rows: list[Row]


def report(scope, period: Period, dimension: str, sort: str = "received") -> Report:
    """Three queries: the months (their sum is the total), the rows, their labels."""
    months = series(scope, period)
    whole = Figures()
    for _month, figures in months:
        whole.add(figures)
    return Report(scope, period, dimension, whole, months, rows(scope, period, dimension, sort))


def chart_data(rep: Report) -> dict:
    """The data the dashboard's charts read (``json_script``): the months and the rows, rates in %."""

    def pct(value):
        return None if value is None else round(value * 100, 1)

    return {
        "months": [f"{month:%Y-%m}" for month, _f in rep.months],
        "received": [f.received for _m, f in rep.months],
        "rates": {name: [pct(f.rate(name)) for _m, f in rep.months] for name in RATES},
        "labels": {name: str(label) for name, label in RATE_LABELS.items()},
        "receivedLabel": str(pgettext("figures", "Received")),
        "rows": {
            "labels": [row.label for row in rep.rows[:20]],
            "rates": {name: [pct(row.figures.rate(name)) for row in rep.rows[:20]] for name in RATES},
        },
    }


# ----------------------------------------------------------------------------------------------
# For the landing pages


def for_leader(user, period: Period) -> Figures:
    """The figures of the cases raised on the floors ``user`` led when they were raised. One query."""
    return Figures.of(
        CaseFigure.objects.filter(dimension=Dimension.LEADER, key=str(user.pk),
                                  month__range=(period.first, period.last)).aggregate(**SUMS)
    )


def for_handler(handler, period: Period) -> Figures:
    """The figures of the cases dispatched to ``handler`` (a Handler or its id). One query."""
    return Figures.of(
        CaseFigure.objects.filter(dimension=Dimension.HANDLER, key=str(getattr(handler, "pk", handler)),
                                  month__range=(period.first, period.last)).aggregate(**SUMS)
    )
