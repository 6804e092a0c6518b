"""The official calendar as data: a year entered in the database overrides the package, a year
neither knows is Monday to Friday, and an entered year reaches a running process without a restart.

Every entered year here is made up for the test (2027's real notice is not known to this code):
a "元旦" holiday Friday 1 – Sunday 3 January 2027, a "春节" holiday Thursday 11 – Wednesday 17
February with the Saturdays 6 and 20 February as make-up working days.
"""

import datetime
import zoneinfo

import pytest
from freezegun import freeze_time

from louwei.core import workdays
from louwei.core.models import CalendarDay, CalendarYear, DayKind

pytestmark = pytest.mark.django_db

D = datetime.date
SH = zoneinfo.ZoneInfo("Asia/Shanghai")


def enter(year: int, off=(), work=(), notice="测试通知") -> CalendarYear:
    """A year written straight into the database, as another process would."""
    calendar = CalendarYear.objects.create(year=year, notice=notice)
    CalendarDay.objects.bulk_create(
        [CalendarDay(calendar=calendar, day=day, kind=DayKind.OFF, name=name) for day, name in off]
        + [CalendarDay(calendar=calendar, day=day, kind=DayKind.WORK) for day in work]
    )
    return calendar


def days(first: datetime.date, last: datetime.date, name: str) -> list[tuple[datetime.date, str]]:
    return [(first + datetime.timedelta(days=n), name) for n in range((last - first).days + 1)]


MADE_UP_OFF = days(D(2027, 1, 1), D(2027, 1, 3), "元旦") + days(D(2027, 2, 11), D(2027, 2, 17), "春节")
MADE_UP_WORK = [D(2027, 2, 6), D(2027, 2, 20)]


def test_an_entered_year_gives_its_days_off_and_make_up_days():
    enter(2027, MADE_UP_OFF, MADE_UP_WORK)
    assert workdays.is_working_day(D(2027, 1, 1)) is False  # a Friday off
    assert workdays.is_working_day(D(2027, 1, 4)) is True  # an ordinary Monday
    assert workdays.is_working_day(D(2027, 2, 6)) is True  # a make-up Saturday
    assert workdays.is_working_day(D(2027, 2, 15)) is False  # a Monday inside the holiday
    assert workdays.is_working_day(D(2027, 2, 21)) is False  # an ordinary Sunday
    assert workdays.source_of(2027) == workdays.ENTERED


def test_the_packages_years_are_the_default_and_an_entered_year_overrides_them():
    assert workdays.is_working_day(D(2026, 10, 1)) is False  # National Day in the package
    assert workdays.source_of(2026) == workdays.PACKAGE
    enter(2026, [(D(2026, 10, 2), "国庆节")])  # a made-up correction: only 2 October off
    workdays.forget()
    assert workdays.is_working_day(D(2026, 10, 1)) is True
    assert workdays.is_working_day(D(2026, 10, 2)) is False
    assert workdays.is_working_day(D(2026, 10, 10)) is False  # the package's make-up Saturday is gone
    assert workdays.is_working_day(D(2025, 10, 1)) is False  # other years keep the package


def test_a_year_neither_knows_is_monday_to_friday():
    assert workdays.source_of(2028) is None
    assert workdays.is_working_day(D(2028, 1, 3)) is True  # a Monday
    assert workdays.is_working_day(D(2028, 1, 1)) is False  # a Saturday


def test_a_deadline_follows_an_entered_year():
    """The complex case of issue 8: received on Friday 11 December 2026, due in 15 working days."""
    received = datetime.datetime(2026, 12, 11, 10, tzinfo=SH)
    assert workdays.add(received, 15, "working_days") == datetime.datetime(2027, 1, 1, 18, tzinfo=SH)
    enter(2027, MADE_UP_OFF, MADE_UP_WORK)
    workdays.forget()
    assert workdays.add(received, 15, "working_days") == datetime.datetime(2027, 1, 4, 18, tzinfo=SH)


def test_an_entered_year_reaches_a_running_process_within_the_check_interval(settings):
    """Another process enters the year: this one sees it once its copy is older than the interval,
    without a restart and without anyone calling forget()."""
    settings.LOUWEI_CALENDAR_CHECK_SECONDS = 30
    with freeze_time("2026-12-05 10:00:00+08:00") as clock:
        assert workdays.is_working_day(D(2027, 1, 1)) is True  # read: nothing entered
        enter(2027, MADE_UP_OFF, MADE_UP_WORK)
        clock.tick(29)
        assert workdays.is_working_day(D(2027, 1, 1)) is True  # this process's copy, still fresh
        clock.tick(2)
        assert workdays.is_working_day(D(2027, 1, 1)) is False  # checked again: the new year
        # A correction is seen the same way (the version is the years and when each was entered).
        CalendarDay.objects.filter(day=D(2027, 1, 1)).delete()
        CalendarYear.objects.filter(year=2027).update(entered_at=datetime.datetime(2026, 12, 5, 2, 1, tzinfo=SH))
        clock.tick(31)
        assert workdays.is_working_day(D(2027, 1, 1)) is True


def test_asking_costs_one_small_query_per_interval(settings, django_assert_num_queries):
    settings.LOUWEI_CALENDAR_CHECK_SECONDS = 30
    enter(2027, MADE_UP_OFF, MADE_UP_WORK)
    with freeze_time("2026-12-05 10:00:00+08:00") as clock:
        with django_assert_num_queries(2):  # the version, then the entered days
            workdays.is_working_day(D(2027, 1, 1))
        with django_assert_num_queries(0):
            start = datetime.datetime(2026, 12, 11, 10, tzinfo=SH)
            for _i in range(100):
                workdays.add(start, 15, "working_days")
        clock.tick(31)
        with django_assert_num_queries(1):  # the version only: unchanged, nothing to reload
            workdays.is_working_day(D(2027, 1, 1))


def test_missing_years_from_the_first_of_december():
    assert workdays.missing_years(D(2026, 11, 30)) == []
    assert workdays.missing_years(D(2026, 12, 1)) == [2027]
    assert workdays.missing_years(D(2027, 1, 4)) == [2027]  # the new year has come, still missing
    assert workdays.missing_years(D(2027, 12, 1)) == [2027, 2028]
    enter(2027, MADE_UP_OFF, MADE_UP_WORK)
    workdays.forget()
    assert workdays.missing_years(D(2026, 12, 1)) == []
    assert workdays.missing_years(D(2027, 12, 31)) == [2028]


def test_the_packages_year_with_chinese_names():
    off, work = workdays.package_year(2026)
    assert (D(2026, 10, 1), "国庆节") in off and (D(2026, 2, 15), "春节") in off
    assert (D(2026, 10, 10), "国庆节") in work and len(work) == 6
    assert workdays.package_year(2027) == ([], [])
    assert workdays.package_years() >= set(range(2004, 2027))


def test_working_days_per_month():
    off = {day for day, _name in MADE_UP_OFF}
    counts = workdays.working_days_per_month(2027, off, set(MADE_UP_WORK))
    assert counts[0] == 21 - 1  # January 2027 has 21 weekdays; Friday 1 January is off
    assert counts[1] == 20 - 5 + 2  # February: 20 weekdays, 11–17 takes 5 of them, two make-up Saturdays
    assert counts[2] == 23
    assert sum(workdays.working_days_per_month(2028, set(), set())) == 260
