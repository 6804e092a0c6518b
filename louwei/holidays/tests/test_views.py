"""The official calendar's pages as district staff use them: the years, a year's form, its preview
and its save; refused to everyone else; hostile input answered with a reason, never a 500."""

import datetime
import re

import pytest
from freezegun import freeze_time

from louwei.core import workdays
from louwei.core.models import AuditEvent, CalendarYear
from louwei.holidays import services

from .conftest import MADE_UP_OFF, MADE_UP_WORK, NOTICE

pytestmark = pytest.mark.django_db


@pytest.fixture
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def text(response) -> str:
    return " ".join(response.content.decode().split())


def typed(**fields) -> dict:
    return {"days_off": MADE_UP_OFF, "working_days": MADE_UP_WORK, "notice": NOTICE, **fields}


def test_anonymous_visitors_are_sent_to_log_in(client):
    for url in ("/holidays/", "/holidays/2027/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert client.post("/holidays/2027/", typed(save="1"))["Location"].startswith("/login/")
    assert not CalendarYear.objects.exists()


def test_only_district_staff_and_superusers_reach_the_pages(client, people):
    for user in people.refused():
        client.force_login(user)
        assert client.get("/holidays/").status_code == 403
        assert client.get("/holidays/2027/").status_code == 403
        assert client.post("/holidays/2027/", typed(preview="1")).status_code == 403
    assert not CalendarYear.objects.exists()
    for user in (people.district, people.superuser):
        client.force_login(user)
        assert client.get("/holidays/").status_code == 200
        assert client.get("/holidays/2027/").status_code == 200


@freeze_time("2026-12-05 10:00:00+08:00")
def test_the_years_and_where_each_comes_from(client, people, english):
    client.force_login(people.district)
    page = text(client.get("/holidays/"))
    assert "The official calendar of 2027 is missing." in page and 'href="/holidays/2027/"' in page
    assert "chinese-calendar package" in page and "Missing: Monday to Friday" in page
    assert "The chinese-calendar package has the years 2004 to 2026." in page
    services.save_year(actor=people.district, year=2027, **typed())
    workdays.forget()
    page = text(client.get("/holidays/"))
    assert "is missing" not in page and NOTICE in page and "by 区委张" in page


def test_opening_another_year(client, people, english):
    client.force_login(people.district)
    assert client.get("/holidays/?year=2027")["Location"] == "/holidays/2027/"
    for year in ("9999", "1", "abc", "2027.5", "-5", "99999999999999999999999"):
        response = client.get(f"/holidays/?year={year}")
        assert response.status_code == 200, year
        assert "Enter a year from 2000 to" in text(response) or "Enter a whole number." in text(response), year
    for url in ("/holidays/9999/", "/holidays/1/", "/holidays/99999999999999999999999/"):
        assert client.get(url).status_code == 404


def test_a_known_year_opens_with_its_days_and_a_missing_one_empty(client, people, english):
    client.force_login(people.district)
    page = text(client.get("/holidays/2026/"))
    assert "国庆节 2026-10-01..2026-10-07" in page and "the chinese-calendar package's table for 2026" in page
    response = client.get("/holidays/2027/")
    assert "No calendar of 2027 yet" in text(response)
    assert response.context["form"]["days_off"].value() == response.context["form"]["working_days"].value() == ""


def test_preview_then_save(client, people, english, django_capture_on_commit_callbacks):
    client.force_login(people.district)
    response = client.post("/holidays/2027/", typed(preview="1"))
    page = text(response)
    assert response.status_code == 200 and "Preview" in page and "not saved yet" in page
    assert "元旦" in page and "Jan. 1, 2027" in page and "Jan. 3, 2027" in page  # the holidays, as a table
    assert "February 2027</th><td class=\"num\">17</td>" in page  # working days per month
    assert "becomes a working day" in page and 'name="save"' in page
    assert not CalendarYear.objects.exists()  # a preview writes nothing
    # What the browser sends back: the hidden field of the previewed text.
    fingerprint = re.search(r'name="previewed" value="([0-9a-f]+)"', response.content.decode()).group(1)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/holidays/2027/", typed(save="1", previewed=fingerprint))
    assert response.status_code == 302 and response["Location"] == "/holidays/"
    assert "The calendar of 2027 is saved." in text(client.get("/holidays/"))
    calendar = CalendarYear.objects.get(year=2027)
    assert calendar.entered_by == people.district and calendar.days.count() == 12
    assert AuditEvent.objects.get(verb="calendar.year_entered").details["via"] == "web"
    assert workdays.is_working_day(datetime.date(2027, 1, 1)) is False
    # Correcting it: the form opens with the entered year.
    page = text(client.get("/holidays/2027/"))
    assert "元旦 2027-01-01..2027-01-03" in page and f"entered from {NOTICE} by 区委张" in page


def test_saving_needs_the_preview_of_the_same_text(client, people, english):
    client.force_login(people.district)
    response = client.post("/holidays/2027/", typed(save="1"))  # never previewed
    assert response.status_code == 200 and not CalendarYear.objects.exists()
    fingerprint = response.context["form"]["previewed"].value()
    changed = typed(save="1", previewed=fingerprint, working_days="2027-02-20")
    response = client.post("/holidays/2027/", changed)
    assert "The text changed since the preview" in text(response) and not CalendarYear.objects.exists()
    assert client.post("/holidays/2027/", {**changed, "previewed": response.context["form"]["previewed"].value()}
                       ).status_code == 302
    assert CalendarYear.objects.get().days.filter(kind="work").count() == 1


@pytest.mark.parametrize(("fields", "message"), [
    ({"working_days": "2027-01-02"}, "Jan. 2, 2027 is both a day off and a make-up working day."),
    ({"days_off": "元旦 2026-12-31"}, "every day must be in 2027."),
    ({"working_days": "2027-02-08"}, "Feb. 8, 2027 is a Monday"),
    ({"notice": ""}, "This field is required."),
    ({"notice": "号" * 101}, "Ensure this value has at most 100 characters"),
    ({"days_off": "元旦 2027-01-01\n" * 500}, "Ensure this value has at most 4000 characters"),
    ({"days_off": ["元旦 2027-01-01", "春节 2027-02-11"]}, ""),  # a list where one value goes: the last one counts
])
def test_bad_input_is_shown_with_its_reason_and_saves_nothing(client, people, english, fields, message):
    client.force_login(people.district)
    for button in ("preview", "save"):
        response = client.post("/holidays/2027/", typed(**{button: "1"}, **fields))
        assert response.status_code == 200
        assert message in text(response)
    assert not CalendarYear.objects.exists()


def test_the_reasons_in_chinese(client, people):
    client.force_login(people.district)
    page = text(client.post("/holidays/2027/", typed(preview="1", working_days="2027-01-02")))
    assert "2027年1月2日既是放假日又是调休上班日。" in page


def test_navigation_leads_district_staff_to_the_calendar(client, people):
    client.force_login(people.district)
    assert 'href="/holidays/"' in client.get("/").content.decode()
    client.force_login(people.secretary)
    assert 'href="/holidays/"' not in client.get("/").content.decode()
