"""``calendar_year`` at the shell: the same checks and the same service as the page, as the server
operator or as ``--user``."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from louwei.core.models import AuditEvent, CalendarYear

from .conftest import NOTICE

pytestmark = pytest.mark.django_db

MADE_UP = ["--off", "2027-01-01..2027-01-03:元旦", "--off", "春节 2027-02-11..2027-02-17",
           "--work", "2027-02-06", "--work", "2027-02-20", "--notice", NOTICE]


def run(*args) -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("calendar_year", *args, stdout=out)
    return out.getvalue()


def test_the_operator_enters_a_year(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        out = run("2027", *MADE_UP)
    assert "元旦 2027-01-01..2027-01-03 (3)" in out and "The calendar of 2027 is saved." in out
    calendar = CalendarYear.objects.get(year=2027)
    assert calendar.entered_by is None and calendar.days.count() == 12 and calendar.notice == NOTICE
    event = AuditEvent.objects.get(verb="calendar.year_entered")
    assert event.actor is None and event.details["via"] == "command"
    shown = run("2027")
    assert f"2027, entered from {NOTICE}:" in shown and "2027-02-06" in shown
    assert "Working days per month: 20 17 23" in shown


def test_a_dry_run_saves_nothing():
    out = run("2027", *MADE_UP, "--dry-run")
    assert "Dry run: nothing saved." in out and "2027-02-11: becomes a day off" in out
    assert not CalendarYear.objects.exists()


def test_as_a_user_who_may_and_one_who_may_not(people):
    run("2027", *MADE_UP, "--user", people.district.username)
    assert CalendarYear.objects.get().entered_by == people.district
    with pytest.raises(CommandError, match="may not change the official calendar"):
        run("2027", *MADE_UP, "--user", people.secretary.username)
    with pytest.raises(CommandError, match="No user is called nobody-here"):
        run("2027", *MADE_UP, "--user", "nobody-here")
    assert AuditEvent.objects.filter(verb__startswith="calendar.").count() == 1


def test_bad_input_names_the_option_and_writes_nothing():
    with pytest.raises(CommandError) as error:
        run("2027", "--off", "2027-01-01", "--work", "2027-02-08", "--notice", "")
    message = str(error.value)
    assert "--off: Entry 1 (“2027-01-01”): give the holiday's name" in message
    assert "--work: Feb. 8, 2027 is a Monday" in message and "--notice: " in message
    with pytest.raises(CommandError, match="YEAR: Enter a year from 2000 to"):
        run("9999", *MADE_UP)
    with pytest.raises(CommandError, match="YEAR: Enter a year from 2000 to"):
        run("1")
    assert not CalendarYear.objects.exists()


def test_showing_the_packages_year_and_a_missing_one():
    assert "2026, from the chinese-calendar package:" in run("2026")
    assert "国庆节 2026-10-01..2026-10-07 (7)" in run("2026")
    assert "No calendar of 2028: every Monday to Friday counts as a working day." in run("2028")
