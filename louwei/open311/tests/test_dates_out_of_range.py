"""Dates at the ends of the calendar: every date and date-time argument of Open311 (``start_date``,
``end_date``) whose 90-day span, whose day's end or whose conversion to UTC leaves the years 1–9999 is
refused with a 400 and the standard's error body, never a 500 (OverflowError)."""

from __future__ import annotations

import pytest

from .conftest import BASE, json_errors, xml_errors

EDGES = [
    {"start_date": "9999-12-31"},
    {"end_date": "0001-01-01"},
    {"start_date": "0001-01-01"},
    {"end_date": "9999-12-31"},
    {"start_date": "9999-12-31T23:59:59+08:00"},
    {"start_date": "9999-12-31T23:59:59-12:00"},  # UTC would be year 10000
    {"end_date": "0001-01-01T00:00:00Z"},
    {"end_date": "0001-01-01T00:00:00+14:00"},  # UTC would be year 0
    {"start_date": "0001-01-01T00:00:00Z", "end_date": "0001-01-02T00:00:00Z"},
    {"start_date": "9999-12-30", "end_date": "9999-12-31"},
    {"start_date": "9999-10-15"},  # + 90 days overflows
]


@pytest.mark.parametrize("params", EDGES)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_dates_at_the_ends_of_the_calendar_are_400(client, secrets, params, fmt):
    response = client.get(f"{BASE}/requests.{fmt}", {"api_key": secrets["east"], **params})
    assert response.status_code == 400, response.content
    errors = json_errors(response) if fmt == "json" else xml_errors(response)
    name = "start_date" if "start_date" in params else "end_date"  # the first one read
    assert errors == [(400, f"{name} is out of range: give a date between the years 2 and 9998.")]


@pytest.mark.parametrize("params", [
    {"start_date": "0002-01-01"}, {"end_date": "9998-12-31T23:59:59+08:00"},
    {"start_date": "1970-01-01T00:00:00Z", "end_date": "1970-03-01"},
])
def test_dates_far_from_today_but_inside_the_calendar_just_find_nothing(client, secrets, params):
    response = client.get(f"{BASE}/requests.json", {"api_key": secrets["east"], **params})
    assert response.status_code == 200 and response.json() == []
