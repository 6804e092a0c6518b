"""Deadline arithmetic on China's official calendar (chinese_calendar 1.11.0 tables for 2026).

2026 as the library has it: National Day Thu 1 – Wed 7 October off, Sat 10 October a make-up
working day (Sun 11 October off); Mid-Autumn Fri 25 – Sun 27 September off; Spring Festival
Sun 15 – Mon 23 February off, Sat 14 and Sat 28 February make-up working days.
"""

import datetime
import zoneinfo

import pytest

from louwei.core import workdays

# The calendar reads the years entered in the database first (none here: the package's tables).
pytestmark = pytest.mark.django_db

SH = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(*args):
    return datetime.datetime(*args, tzinfo=SH)


D = datetime.date


@pytest.mark.parametrize("day, working", [
    (D(2026, 9, 30), True),  # Wednesday before National Day
    (D(2026, 10, 1), False),
    (D(2026, 10, 5), False),  # a Monday inside the holiday
    (D(2026, 10, 7), False),
    (D(2026, 10, 8), True),
    (D(2026, 10, 10), True),  # make-up Saturday
    (D(2026, 10, 11), False),  # Sunday
    (D(2026, 2, 14), True),  # make-up Saturday before Spring Festival
    (D(2026, 2, 16), False),
    (D(2026, 2, 23), False),
    (D(2026, 2, 24), True),
    (D(2026, 11, 28), False),  # an ordinary Saturday
    (D(2026, 11, 30), True),  # an ordinary Monday
])
def test_official_calendar(day, working):
    assert workdays.is_working_day(day) is working


def test_outside_the_librarys_years_falls_back_to_monday_to_friday():
    assert workdays.is_working_day(D(2027, 1, 1)) is True  # a Friday: New Year unknown to the table
    assert workdays.is_working_day(D(2027, 1, 2)) is False  # Saturday
    assert workdays.is_working_day(D(2003, 6, 2)) is True
    # a deadline running into 2027 still comes out
    assert workdays.add(at(2026, 12, 30, 10), 3, "working_days") == at(2027, 1, 4, 18)


# --- hours, round the clock ----------------------------------------------------------------------


def test_hours_run_round_the_clock_through_holidays():
    assert workdays.add(at(2026, 10, 1, 23, 0), 2, "hours") == at(2026, 10, 2, 1, 0)
    assert workdays.add(at(2026, 9, 30, 12, 0), 24, "hours") == at(2026, 10, 1, 12, 0)


def test_aware_in_any_zone_and_out_in_shanghai():
    start = datetime.datetime(2026, 11, 30, 2, 0, tzinfo=datetime.timezone.utc)  # 10:00 in Shanghai
    result = workdays.add(start, 1, "working_days")
    assert result == at(2026, 12, 1, 18) and result.utcoffset() == datetime.timedelta(hours=8)
    with pytest.raises(ValueError):
        workdays.add(datetime.datetime(2026, 11, 30, 10), 1, "hours")


# --- working hours --------------------------------------------------------------------------------


@pytest.mark.parametrize("start, amount, expected", [
    (at(2026, 11, 30, 10, 0), 4, at(2026, 11, 30, 14, 0)),  # inside one day
    (at(2026, 11, 30, 16, 0), 4, at(2026, 12, 1, 11, 0)),  # 2 h today, 2 h tomorrow
    (at(2026, 11, 30, 7, 30), 4, at(2026, 11, 30, 13, 0)),  # before hours: counts from 09:00
    (at(2026, 11, 30, 20, 0), 4, at(2026, 12, 1, 13, 0)),  # after hours: from 09:00 next day
    (at(2026, 11, 30, 18, 0), 4, at(2026, 12, 1, 13, 0)),  # exactly at the close
    (at(2026, 11, 30, 9, 0), 9, at(2026, 11, 30, 18, 0)),  # a whole day ends at the close, not 09:00 next day
    (at(2026, 11, 30, 14, 0), 4, at(2026, 11, 30, 18, 0)),  # ends exactly at the close
    (at(2026, 11, 27, 17, 0), 4, at(2026, 11, 30, 12, 0)),  # Friday → over the weekend → Monday
    (at(2026, 9, 30, 16, 0), 4, at(2026, 10, 8, 11, 0)),  # over National Day
    (at(2026, 10, 3, 10, 0), 4, at(2026, 10, 8, 13, 0)),  # raised on a holiday
    (at(2026, 10, 9, 16, 0), 4, at(2026, 10, 10, 11, 0)),  # into the make-up Saturday
    (at(2026, 2, 13, 17, 0), 4, at(2026, 2, 14, 12, 0)),  # Friday before Spring Festival → make-up Saturday
    (at(2026, 2, 14, 17, 0), 4, at(2026, 2, 24, 12, 0)),  # make-up Saturday → after the festival
    (at(2026, 11, 30, 10, 0), 0, at(2026, 11, 30, 10, 0)),
])
def test_working_hours(start, amount, expected):
    assert workdays.add(start, amount, "working_hours") == expected


def test_working_hours_follow_the_setting(settings):
    settings.LOUWEI_WORKING_HOURS = ("08:30", "17:30")
    assert workdays.add(at(2026, 11, 30, 16, 30), 2, "working_hours") == at(2026, 12, 1, 9, 30)
    assert workdays.add(at(2026, 11, 30, 10), 1, "working_days") == at(2026, 12, 1, 17, 30)
    settings.LOUWEI_WORKING_HOURS = ("18:00", "09:00")
    with pytest.raises(ValueError):
        workdays.add(at(2026, 11, 30, 10), 1, "working_hours")


# --- working days ---------------------------------------------------------------------------------


@pytest.mark.parametrize("start, amount, expected", [
    (at(2026, 11, 30, 10, 0), 1, at(2026, 12, 1, 18, 0)),  # day 1 is the next working day
    (at(2026, 11, 30, 0, 1), 1, at(2026, 12, 1, 18, 0)),  # whatever the time of day
    (at(2026, 11, 30, 23, 59), 1, at(2026, 12, 1, 18, 0)),
    (at(2026, 11, 30, 10, 0), 7, at(2026, 12, 9, 18, 0)),
    (at(2026, 11, 27, 10, 0), 1, at(2026, 11, 30, 18, 0)),  # Friday → Monday
    (at(2026, 11, 28, 10, 0), 1, at(2026, 11, 30, 18, 0)),  # raised on a Saturday
    # National Day: from Wed 30 Sep, day 1 is Thu 8 Oct, day 2 Fri 9, day 3 the make-up Sat 10, day 4 Mon 12
    (at(2026, 9, 30, 10, 0), 1, at(2026, 10, 8, 18, 0)),
    (at(2026, 9, 30, 10, 0), 3, at(2026, 10, 10, 18, 0)),
    (at(2026, 9, 30, 10, 0), 4, at(2026, 10, 12, 18, 0)),
    (at(2026, 10, 4, 10, 0), 1, at(2026, 10, 8, 18, 0)),  # raised on a holiday
    (at(2026, 10, 10, 10, 0), 1, at(2026, 10, 12, 18, 0)),  # raised on the make-up Saturday
    # 7 working days from Tue 29 Sep: 30 Sep, 8, 9, 10 (Sat), 12, 13, 14 October
    (at(2026, 9, 29, 10, 0), 7, at(2026, 10, 14, 18, 0)),
    # Spring Festival: from Fri 13 Feb, day 1 is the make-up Sat 14, day 2 Tue 24 February
    (at(2026, 2, 13, 10, 0), 1, at(2026, 2, 14, 18, 0)),
    (at(2026, 2, 13, 10, 0), 2, at(2026, 2, 24, 18, 0)),
    # … then 25–27 February, the second make-up Saturday 28 February, 2–6 and 9–12 March: day 15
    (at(2026, 2, 13, 10, 0), 15, at(2026, 3, 12, 18, 0)),
])
def test_working_days(start, amount, expected):
    assert workdays.add(start, amount, "working_days") == expected


def test_bad_input():
    with pytest.raises(ValueError):
        workdays.add(at(2026, 11, 30, 10), 1, "fortnights")
    with pytest.raises(ValueError):
        workdays.add(at(2026, 11, 30, 10), -1, "hours")
    with pytest.raises(ValueError):
        workdays.add(at(2026, 11, 30, 10), 1.5, "working_days")


def test_counting_between():
    assert workdays.working_days_between(D(2026, 9, 30), D(2026, 10, 12)) == 4  # 8, 9, 10, 12 October
    assert workdays.working_days_between(D(2026, 10, 12), D(2026, 9, 30)) == 0
    assert workdays.next_working_day(D(2026, 9, 30)) == D(2026, 10, 8)
    assert workdays.working_time_between(at(2026, 9, 30, 16), at(2026, 10, 8, 10)) == datetime.timedelta(hours=3)
    assert workdays.working_time_between(at(2026, 11, 30, 7), at(2026, 11, 30, 20)) == datetime.timedelta(hours=9)
