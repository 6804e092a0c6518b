"""The status badge and the time-left badge of the case lists: colour and words."""

import datetime

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from louwei.cases.models import Status
from louwei.testing.factories import CaseFactory

pytestmark = [pytest.mark.django_db]

NOW = timezone.make_aware(datetime.datetime(2026, 11, 30, 9, 0))


def render(case, now=NOW, language="en"):
    with translation.override(language):
        return Template("{% load cases %}{{ case|status_badge }}|{% time_left case now %}").render(
            Context({"case": case, "now": now}))


def case(submitted_hours_ago, due_in_hours, **kwargs):
    submitted = NOW - datetime.timedelta(hours=submitted_hours_ago)
    return CaseFactory(submitted_at=submitted, respond_by=submitted + datetime.timedelta(hours=1),
                       responded_at=submitted + datetime.timedelta(minutes=30),
                       due_at=NOW + datetime.timedelta(hours=due_in_hours), **kwargs)


def test_plenty_of_time_is_ok():
    html = render(case(10, 50))
    assert 'badge-ok time-left' in html and "2 days 2 hours left" in html
    assert 'datetime="2026-12-02T11:00:00+08:00"' in html and "December 2 11:00" in html


def test_under_a_day_is_a_warning():
    assert 'badge-warn time-left' in render(case(1, 5)) and "5 hours left" in render(case(1, 5))


def test_past_eighty_percent_is_a_warning_even_with_days_left():
    html = render(case(24 * 9, 24 * 2))  # 9 days used of 11
    assert "badge-warn time-left" in html and "2 days left" in html


def test_overdue_is_danger_and_says_by_how_much():
    html = render(case(30, -3))
    assert "badge-danger time-left" in html and "overdue by 3 hours" in html
    assert "overdue by 40 minutes" in render(case(30, -40 / 60))


def test_before_the_response_the_response_deadline_counts():
    submitted = NOW - datetime.timedelta(hours=1)
    fresh = CaseFactory(submitted_at=submitted, respond_by=NOW + datetime.timedelta(hours=2),
                        due_at=NOW + datetime.timedelta(days=7))
    html = render(fresh)
    assert "Respond by" in html and "2 hours left" in html


def test_a_closed_case_shows_no_time_left():
    closed = case(10, 50, status=Status.CLOSED)
    assert render(closed).endswith("|")
    assert "badge-ok case-status" in render(closed) and "Closed" in render(closed)


def test_every_status_has_words_in_its_badge():
    for status in Status.values:
        html = render(CaseFactory.build(status=status))
        with translation.override("en"):
            assert f">{Status(status).label}<" in html


def test_chinese_dates_are_written_the_chinese_way():
    html = render(case(10, 50), language="zh-hans")
    assert "12月2日 11:00" in html or "12月02日 11:00" in html
