"""Entering a year: what is typed, what is refused (with the reason, translated), who may, what is
recorded, and that the running process answers with the new year at once."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from freezegun import freeze_time

from louwei.core import signals, workdays
from louwei.core.models import AuditEvent, CalendarDay, CalendarYear
from louwei.holidays import services

from .conftest import MADE_UP_OFF, MADE_UP_WORK, NOTICE

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def problems(**fields) -> dict[str, list[str]]:
    fields = {"year": 2027, "days_off": MADE_UP_OFF, "working_days": MADE_UP_WORK, "notice": NOTICE, **fields}
    with pytest.raises(ValidationError) as error:
        services.plan_year(**fields)
    return error.value.message_dict


# --- Reading what is typed --------------------------------------------------------------------


def test_a_year_as_typed():
    plan = services.plan_year(year="2027", days_off=MADE_UP_OFF, working_days=MADE_UP_WORK, notice=f"  {NOTICE} ")
    assert plan.year == 2027 and plan.notice == NOTICE
    assert [(h.name, h.first, h.last, h.days) for h in plan.holidays] == [
        ("元旦", D(2027, 1, 1), D(2027, 1, 3), 3), ("春节", D(2027, 2, 11), D(2027, 2, 17), 7)]
    assert [day for day, _name in plan.work] == [D(2027, 2, 6), D(2027, 2, 20)]
    assert plan.months[:3] == [20, 17, 23] and plan.working_days == 261 - 6 + 2
    # Against the calendar in use now (2027 unknown: Monday to Friday): 6 weekdays off, 2 Saturdays worked.
    assert [(c.day, c.working_then) for c in plan.changes] == [
        (D(2027, 1, 1), False), (D(2027, 2, 6), True), (D(2027, 2, 11), False), (D(2027, 2, 12), False),
        (D(2027, 2, 15), False), (D(2027, 2, 16), False), (D(2027, 2, 17), False), (D(2027, 2, 20), True)]


def test_names_before_or_after_ranges_in_several_spellings():
    typed = "2027-01-01..2027-01-03:元旦\n春节  2027年2月11日 至 2027年2月17日\n清明：２０２７－０４－０５\n劳动节 2027/5/1~2027/5/5"
    plan = services.plan_year(year=2027, days_off=typed, working_days="2027-02-06 春节\n2027-02-20；2027-04-25",
                              notice=NOTICE)
    assert [(h.name, h.first, h.last) for h in plan.holidays] == [
        ("元旦", D(2027, 1, 1), D(2027, 1, 3)), ("春节", D(2027, 2, 11), D(2027, 2, 17)),
        ("清明", D(2027, 4, 5), D(2027, 4, 5)), ("劳动节", D(2027, 5, 1), D(2027, 5, 5))]
    assert plan.work == [(D(2027, 2, 6), "春节"), (D(2027, 2, 20), ""), (D(2027, 4, 25), "")]


def test_the_text_written_back_reads_the_same():
    plan = services.plan_year(year=2027, days_off=MADE_UP_OFF, working_days=MADE_UP_WORK, notice=NOTICE)
    assert services.as_text(plan.off) == MADE_UP_OFF
    again = services.plan_year(year=2027, days_off=services.as_text(plan.off),
                               working_days=services.as_text(plan.work), notice=NOTICE)
    assert again.off == plan.off and again.work == plan.work and again.fingerprint == plan.fingerprint


# --- What is refused ------------------------------------------------------------------------------


@pytest.mark.parametrize("year", [1, 9999, 1999, "abc", "", None, "2027.5", 10**30])
def test_absurd_years(year):
    assert problems(year=year) == {"year": ["Enter a year from 2000 to %d." % services.last_year()]}


def test_no_year_further_ahead_than_the_year_after_next():
    with freeze_time("2026-12-05 10:00:00+08:00"):
        assert services.check_year(2028) == 2028
        assert "year" in problems(year=2029)


def test_days_outside_the_year():
    assert problems(days_off="元旦 2026-12-31..2027-01-02") == {
        "days_off": ["Entry 1 (“元旦 2026-12-31..2027-01-02”): every day must be in 2027."]}
    assert "every day must be in 2027" in problems(working_days="2028-01-08")["working_days"][0]


def test_a_day_both_off_and_working():
    assert problems(working_days="2027-01-02") == {
        "working_days": ["Jan. 2, 2027 is both a day off and a make-up working day."]}


def test_a_make_up_day_is_on_a_weekend():
    assert problems(working_days="2027-02-08") == {
        "working_days": ["Feb. 8, 2027 is a Monday: a make-up working day falls on a Saturday or a Sunday."]}


@pytest.mark.parametrize(("days_off", "message"), [
    ("2027-01-01..2027-01-03", "give the holiday's name, as in “元旦 2027-01-01..2027-01-03”."),
    ("元旦 2027-02-30", "this is not a date of the calendar."),
    ("元旦 2027-01-03..2027-01-01", "the range ends before it starts."),
    ("春节 2027-02-01..2027-02-28", "a run of days is at most 15 days long."),
    ("元旦 2027-01-01 2027-01-02 2027-01-03", "write one date as 2027-01-01, or one range as 2027-01-01..2027-01-03."),
    ("元旦", "write one date as 2027-01-01, or one range as 2027-01-01..2027-01-03."),
    ("节" * 31 + " 2027-01-01", "the name is longer than 30 characters."),
])
def test_a_bad_entry_says_which_and_why(days_off, message):
    errors = problems(days_off=days_off)["days_off"]
    assert len(errors) == 1 and errors[0].startswith("Entry 1 (") and errors[0].endswith(message)


def test_every_problem_at_once_and_a_day_listed_twice():
    errors = problems(days_off="元旦 2027-01-01\nbad line\n元旦 2027-01-01..2027-01-02", working_days="2027-02-08",
                      notice="")
    assert errors["days_off"][0].startswith("Entry 2 (“bad line”)")
    assert errors["days_off"][1] == "Jan. 1, 2027 is listed twice."
    assert errors["working_days"] and errors["notice"] == [
        "Give the reference of the State Council's notice (its document number)."]


def test_no_days_off_huge_text_and_a_long_notice():
    assert problems(days_off="  \n ")["days_off"] == ["List the year's days off, one holiday per line."]
    assert problems(days_off="元旦 2027-01-01\n" * 400)["days_off"] == ["Write at most 4000 characters."]
    assert problems(working_days="2027-02-06," * 400)["working_days"] == ["Write at most 4000 characters."]
    assert problems(notice="号" * 101)["notice"] == ["Write at most 100 characters."]


def test_the_reasons_are_translated():
    with translation.override("zh-hans"):
        errors = problems(year=2027, working_days="2027-01-02")
    assert errors["working_days"] == ["2027年1月2日既是放假日又是调休上班日。"]


# --- Saving ---------------------------------------------------------------------------------


def save(actor, **fields):
    fields = {"year": 2027, "days_off": MADE_UP_OFF, "working_days": MADE_UP_WORK, "notice": NOTICE, **fields}
    return services.save_year(actor=actor, **fields)


def test_only_district_staff_and_superusers_may_save(people):
    for user in [*people.refused(), AnonymousUser()]:
        with pytest.raises(PermissionDenied):
            save(user)
    # Asked first: bad input from someone who may not learns nothing but "no".
    with pytest.raises(PermissionDenied):
        save(people.secretary, year=9999)
    assert not CalendarYear.objects.exists() and not AuditEvent.objects.exists()
    assert save(people.district).entered_by == people.district
    assert save(people.superuser).entered_by == people.superuser
    assert save(people.other_district).entered_by == people.other_district  # the calendar is the country's


def test_a_saved_year_is_recorded_and_used_at_once(people, django_capture_on_commit_callbacks):
    assert workdays.is_working_day(D(2027, 1, 1)) is True  # this process's copy: nothing entered
    with django_capture_on_commit_callbacks(execute=True):
        calendar = save(people.district)
    assert workdays.is_working_day(D(2027, 1, 1)) is False  # no restart, no waiting
    assert calendar.notice == NOTICE and calendar.entered_at is not None
    assert CalendarDay.objects.filter(calendar=calendar, kind="off").count() == 10
    assert list(CalendarDay.objects.filter(kind="work").values_list("day", flat=True)) == [D(2027, 2, 6),
                                                                                          D(2027, 2, 20)]
    event = AuditEvent.objects.get()
    assert (event.actor, event.verb, event.target_repr) == (people.district, "calendar.year_entered", "2027")
    assert event.details["days_off"] == 10 and event.details["make_up_days"] == 2 and event.details["via"] == "web"
    assert "2027-01-01 off" in event.details["added"] and event.details["removed"] == []


def test_a_correction_replaces_the_year_and_says_what_changed(people, django_capture_on_commit_callbacks):
    save(people.district)
    with django_capture_on_commit_callbacks(execute=True):
        save(people.superuser, days_off="元旦 2027-01-01\n春节 2027-02-10..2027-02-16", working_days="2027-02-20")
    calendar = CalendarYear.objects.get(year=2027)
    assert calendar.entered_by == people.superuser and calendar.days.count() == 9
    event = AuditEvent.objects.filter(verb="calendar.year_corrected").get()
    assert event.details["added"] == ["2027-02-10 off"]
    assert event.details["removed"] == ["2027-01-02 off", "2027-01-03 off", "2027-02-06 work", "2027-02-17 off"]
    assert workdays.is_working_day(D(2027, 2, 17)) is True and workdays.is_working_day(D(2027, 2, 10)) is False


def test_bad_input_writes_nothing(people):
    save(people.district)
    with pytest.raises(ValidationError):
        save(people.district, days_off="元旦 2027-01-01", working_days="2027-01-01")
    assert CalendarYear.objects.get(year=2027).days.count() == 12
    assert AuditEvent.objects.count() == 1


def test_the_change_is_announced_on_commit_when_days_change(people, django_capture_on_commit_callbacks):
    heard = []

    def listener(sender, year, **kwargs):
        heard.append(year)

    signals.calendar_changed.connect(listener, dispatch_uid="test-listener")
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            save(people.district)
        assert heard == []  # nothing before the commit
        for callback in callbacks:
            callback()
        assert heard == [2027]
        with django_capture_on_commit_callbacks(execute=True):
            save(people.district, notice="测试通知〔2026〕2号")  # the same days: no deadline can move
        assert heard == [2027]
    finally:
        signals.calendar_changed.disconnect(dispatch_uid="test-listener")


def test_the_current_text_of_a_year():
    assert services.current_text(2028) == ("", "", "")
    days_off, working_days, notice = services.current_text(2026)  # the package's table
    assert "国庆节 2026-10-01..2026-10-07" in days_off.splitlines() and "国庆节 2026-10-10" in working_days
    assert notice == ""
