"""Working days and working hours on China's official calendar (deadline arithmetic).

The calendar is the State Council's yearly notice on public holidays: the days off (weekend days
inside a holiday included) and the make-up working days on weekends (调休). It comes from two
places, per year:

1. **A year entered in the database** (``core.CalendarYear`` with its ``CalendarDay`` rows, entered
   by district staff on the official-calendar page or with ``calendar_year``) wins.
2. Otherwise **the ``chinese_calendar`` package** (pinned) for the years it has a table for
   (2004–2026 in 1.11.0).
3. A year neither knows **falls back to Monday–Friday**, without holidays: deadlines that far out
   come out a little early rather than failing, and district staff are warned from 1 December while
   next year is missing (:func:`missing_years`).

The entered years are read once and kept in this process; each process checks a version (the
entered years and when each was last entered: one small query) at most every
``settings.LOUWEI_CALENDAR_CHECK_SECONDS`` (default 30) and reloads when it changed, so a year
entered on the page reaches every web server, worker and scheduler within that time without a
restart. :func:`forget` drops the copy at once (the process that saved calls it on commit).

Times are read in ``settings.TIME_ZONE`` (Asia/Shanghai): every function takes and returns
aware datetimes. Working hours are ``settings.LOUWEI_WORKING_HOURS`` (default 09:00–18:00).

Units of :func:`add`:

* ``"hours"``: round the clock (an urgent safety case does not wait for Monday);
* ``"working_hours"``: only the time inside working hours on working days counts;
* ``"working_days"``: the deadline is the end of working hours on the Nth working day after the
  day of ``start`` (day 1 is the next working day, whatever the time of ``start``).
"""

from __future__ import annotations

import datetime
import functools
import time
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

HOURS = "hours"
WORKING_HOURS = "working_hours"
WORKING_DAYS = "working_days"
UNITS = (HOURS, WORKING_HOURS, WORKING_DAYS)

ONE_DAY = datetime.timedelta(days=1)
# Longer than any run of days off in the official calendar (Spring Festival is 9 days).
_MAX_DAYS_OFF = 40


def tz() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def _parse(value) -> datetime.time:
    if isinstance(value, datetime.time):
        return value
    hours, _sep, minutes = str(value).strip().partition(":")
    return datetime.time(int(hours), int(minutes or 0))


def working_hours() -> tuple[datetime.time, datetime.time]:
    """The start and end of the working day, from ``settings.LOUWEI_WORKING_HOURS``."""
    start, end = getattr(settings, "LOUWEI_WORKING_HOURS", ("09:00", "18:00"))
    start, end = _parse(start), _parse(end)
    if end <= start:
        raise ValueError("LOUWEI_WORKING_HOURS must end after it starts")
    return start, end


#: How often (seconds) a process checks whether the entered years changed, unless settings say.
DEFAULT_CHECK_SECONDS = 30
ENTERED = "entered"
PACKAGE = "package"


@dataclass(frozen=True)
class EnteredYear:
    """A year entered in the database: its days off and its make-up working days."""

    year: int
    off: frozenset[datetime.date]
    work: frozenset[datetime.date]

    def is_working_day(self, day: datetime.date) -> bool:
        return day in self.work or (day.weekday() < 5 and day not in self.off)


@dataclass(frozen=True)
class _Entered:
    version: tuple
    years: dict[int, EnteredYear]
    checked_at: float


_entered: _Entered | None = None


def check_seconds() -> float:
    return float(getattr(settings, "LOUWEI_CALENDAR_CHECK_SECONDS", DEFAULT_CHECK_SECONDS))


def entered_years() -> dict[int, EnteredYear]:
    """The years entered in the database, by year: this process's copy, checked against the
    database's version at most every :func:`check_seconds`."""
    state = _entered
    if state is not None and 0 <= time.monotonic() - state.checked_at < check_seconds():
        return state.years
    return _refresh(state).years


def _refresh(state: _Entered | None) -> _Entered:
    global _entered
    from .models import CalendarDay, CalendarYear, DayKind

    version = tuple(CalendarYear.objects.order_by("year").values_list("year", "entered_at"))
    if state is None or state.version != version:
        days: dict[int, tuple[set, set]] = {year: (set(), set()) for year, _at in version}
        rows = CalendarDay.objects.values_list("calendar__year", "day", "kind") if version else ()
        for year, day, kind in rows:
            if year in days:
                days[year][kind == DayKind.WORK].add(day)
        years = {year: EnteredYear(year, frozenset(off), frozenset(work)) for year, (off, work) in days.items()}
        state = _Entered(version, years, time.monotonic())
    else:
        state = _Entered(state.version, state.years, time.monotonic())
    _entered = state
    return state


def forget() -> None:
    """Drop this process's copy of the entered years: the next question reads them again."""
    global _entered
    _entered = None


@functools.lru_cache(maxsize=1)
def package_years() -> frozenset[int]:
    """The years the ``chinese_calendar`` package has a table for."""
    import chinese_calendar

    return frozenset(day.year for day in chinese_calendar.holidays)


@functools.lru_cache(maxsize=4096)
def _package_is_working_day(day: datetime.date) -> bool:
    import chinese_calendar

    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # a year the package has no table for
        return day.weekday() < 5


def package_year(year: int) -> tuple[list[tuple[datetime.date, str]], list[tuple[datetime.date, str]]]:
    """The package's days off and make-up working days of ``year``, each with the holiday's
    Chinese name (empty lists for a year it does not know)."""
    import chinese_calendar

    names = {holiday.value: holiday.chinese for holiday in chinese_calendar.Holiday}

    def of(table):
        return sorted((day, names.get(name, name)) for day, name in table.items() if day.year == year)

    return of(chinese_calendar.holidays), of(chinese_calendar.workdays)


def source_of(year: int) -> str | None:
    """Where the calendar of ``year`` comes from: ``ENTERED``, ``PACKAGE`` or None (Monday–Friday)."""
    if year in entered_years():
        return ENTERED
    if year in package_years():
        return PACKAGE
    return None


def missing_years(today: datetime.date | None = None) -> list[int]:
    """The years whose calendar is missing and needed now: this year, and from 1 December next year."""
    today = today or timezone.localdate()
    wanted = [today.year, today.year + 1] if today.month == 12 else [today.year]
    return [year for year in wanted if source_of(year) is None]


def is_working_day(day: datetime.date) -> bool:
    """Is ``day`` a working day in China (make-up weekend days included, public holidays excluded)?
    A year entered in the database, else the package's table, else Monday to Friday."""
    if isinstance(day, datetime.datetime):
        day = day.date()
    entered = entered_years().get(day.year)
    if entered is not None:
        return entered.is_working_day(day)
    return _package_is_working_day(day)


def days_of(year: int):
    """Every date of ``year``, in order."""
    day = datetime.date(year, 1, 1)
    while day.year == year:
        yield day
        day += ONE_DAY


def working_days_per_month(year: int, off, work) -> list[int]:
    """How many working days each month of ``year`` has with the days ``off`` and the make-up
    working days ``work`` (sets of dates): twelve numbers."""
    calendar = EnteredYear(year, frozenset(off), frozenset(work))
    counts = [0] * 12
    for day in days_of(year):
        counts[day.month - 1] += calendar.is_working_day(day)
    return counts


def next_working_day(day: datetime.date) -> datetime.date:
    """The first working day strictly after ``day``."""
    for _i in range(_MAX_DAYS_OFF):
        day = day + ONE_DAY
        if is_working_day(day):
            return day
    raise RuntimeError("no working day found")  # pragma: no cover - the calendar never has this


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """How many working days lie after ``start`` up to and including ``end`` (0 when end <= start)."""
    if isinstance(start, datetime.datetime):
        start = local(start).date()
    if isinstance(end, datetime.datetime):
        end = local(end).date()
    count, day = 0, start
    while day < end:
        day += ONE_DAY
        count += is_working_day(day)
    return count


def local(moment: datetime.datetime) -> datetime.datetime:
    """``moment`` in the project's time zone (refuses naive datetimes)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("workdays needs aware datetimes")
    return moment.astimezone(tz())


def _at(day: datetime.date, time: datetime.time) -> datetime.datetime:
    return datetime.datetime.combine(day, time, tzinfo=tz())


def end_of_working_day(day: datetime.date) -> datetime.datetime:
    return _at(day, working_hours()[1])


def add(start: datetime.datetime, amount: int | float, unit: str) -> datetime.datetime:
    """The moment ``amount`` ``unit`` after ``start`` (an aware datetime in the project's time zone)."""
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r}")
    if amount < 0:
        raise ValueError("amount must not be negative")
    start = local(start)
    if unit == HOURS:
        return local(start + datetime.timedelta(hours=amount))
    if unit == WORKING_DAYS:
        if amount != int(amount):
            raise ValueError("working days are counted whole")
        day = start.date()
        if amount == 0:
            return start
        for _i in range(int(amount)):
            day = next_working_day(day)
        return end_of_working_day(day)
    return _add_working_hours(start, datetime.timedelta(hours=amount))


def _add_working_hours(start: datetime.datetime, remaining: datetime.timedelta) -> datetime.datetime:
    open_at, close_at = working_hours()
    position = start
    if not remaining:
        return position
    while True:
        day = position.date()
        if is_working_day(day):
            day_start, day_end = _at(day, open_at), _at(day, close_at)
            if position < day_start:
                position = day_start
            if position < day_end:
                available = day_end - position
                if remaining <= available:
                    return position + remaining
                remaining -= available
        position = _at(next_working_day(day), open_at)


def working_time_between(start: datetime.datetime, end: datetime.datetime) -> datetime.timedelta:
    """The working time (inside working hours on working days) from ``start`` to ``end``."""
    open_at, close_at = working_hours()
    start, end = local(start), local(end)
    total = datetime.timedelta(0)
    day = start.date()
    while day <= end.date():
        if is_working_day(day):
            lo = max(start, _at(day, open_at))
            hi = min(end, _at(day, close_at))
            if hi > lo:
                total += hi - lo
        day += ONE_DAY
    return total
