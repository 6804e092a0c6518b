"""Working days and working hours on China's official calendar (deadline arithmetic).

The calendar is the State Council's, as kept by the ``chinese_calendar`` library (pinned; it
knows each year's public holidays and the make-up working days on weekends, 调休). For a year the
library does not cover yet (it raises for years after its last table, e.g. 2027 in 1.11.0), this
module **falls back to Monday–Friday** as working days, without holidays: deadlines that far out
come out a little early rather than failing. Updating the pinned library fixes them.

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
import zoneinfo

from django.conf import settings

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


@functools.lru_cache(maxsize=4096)
def is_working_day(day: datetime.date) -> bool:
    """Is ``day`` a working day in China (make-up weekend days included, public holidays excluded)?
    Outside the years the library knows: Monday to Friday."""
    if isinstance(day, datetime.datetime):
        day = day.date()
    import chinese_calendar

    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # a year the library has no table for
        return day.weekday() < 5


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
