"""Bad input (issue 8, rows 3 and 6). Characters no text may hold: kept out at every way in (forms, the API,
Open311, the roster, commands), refused in paths (404) and query strings (400), and never able to
break an output (Excel, XML) that a row stored earlier still carries."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from io import StringIO

import openpyxl
import pytest
from django.core.management import call_command
from django.test import Client

from louwei.access import SYSTEM
from louwei.accounts.models import RoleKind
from louwei.buildings import roster
from louwei.buildings.models import Enterprise
from louwei.cases.models import Case
from louwei.core.spreadsheets import append_row
from louwei.core.text import has_controls, normalise, strip_controls
from louwei.open311 import formats, keys
from louwei.open311.models import ClientKey
from louwei.testing.factories import CaseFactory, category, make_uscc

pytestmark = pytest.mark.django_db

HOSTILE = "走廊\x00灯\x01不亮\x1b[31m\x7f\x85\ud800\ufffe，请维修"
CLEAN = "走廊灯不亮[31m，请维修"
# A form or a query string travels as UTF-8, which cannot carry a lone surrogate (JSON can, escaped).
TYPED = HOSTILE.replace("\ud800", "")
# What an older row may hold: neither database stores a lone surrogate, and PostgreSQL no NUL.
STORED = TYPED.replace("\x00", "")


@pytest.fixture
def building(make_building):
    return make_building(code="XCFZ-B", floors=6, per_floor=1, leaders=5)


@pytest.fixture
def secretary(person, building):
    return person(RoleKind.COMMITTEE_SECRETARY, building)


def test_the_character_set_keeps_tabs_and_line_breaks():
    assert strip_controls(HOSTILE) == CLEAN
    assert strip_controls("a\tb\nc\r\n") == "a\tb\nc\r\n"
    assert normalise("Ｒ\x01＆Ｄ\x00") == "R&D"
    assert not has_controls(CLEAN) and has_controls(HOSTILE)
    assert strip_controls(42) == 42


# -- forms -------------------------------------------------------------------------------------


def test_a_visitors_description_is_stored_without_control_characters(client, building):
    floor = building.floors.get(number=5)
    response = client.post(f"/f/{floor.code}/report/", {
        "category": category("repairs").pk, "description": TYPED, "name": "张\x00三",
    })
    assert response.status_code == 302, response.content[:500]
    case = Case.objects.get()
    assert case.description == CLEAN and case.submitter_name == "张三"


def test_an_enterprise_name_typed_with_control_characters_is_stored_clean(client, building, secretary):
    enterprise = Enterprise.objects.filter(occupancies__unit__floor__building=building).first()
    client.force_login(secretary)
    page = client.get(f"/enterprises/{enterprise.pk}/edit/")
    assert page.status_code == 200
    data = {k: v for k, v in page.context["form"].initial.items() if v is not None}
    data.update(name="R\x01&D\x00 科技有限公司", industry=enterprise.industry, uscc=enterprise.uscc)
    client.post(f"/enterprises/{enterprise.pk}/edit/", data)
    enterprise.refresh_from_db()
    assert enterprise.name == "R&D 科技有限公司"


# -- the API and Open311 ----------------------------------------------------------------------


def test_the_api_strips_control_characters_from_json_escapes(building, secretary):
    from louwei.api.services import create_token

    token = create_token(actor=secretary, user=secretary).secret
    floor = building.floors.get(number=5)
    enterprise = Enterprise.objects.filter(occupancies__unit__floor=floor).first()
    body = json.dumps({"floor": floor.code, "category": "repairs", "description": HOSTILE,
                       "enterprise": enterprise.pk, "channel": "phone"}, ensure_ascii=True)
    assert "\\u0000" in body
    response = Client().post("/api/v1/cases/", body, content_type="application/json",
                             HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 201, response.content
    assert Case.objects.get().description == CLEAN


def test_open311_strips_them_from_a_request_and_its_xml_still_parses(building):
    secret = keys.issue_key(actor=SYSTEM, name="12345 hotline").secret
    floor = building.floors.get(number=5)
    response = Client().post("/open311/v2/requests.xml", {
        "api_key": secret, "service_code": "repairs", "address_id": floor.code,
        "description": TYPED, "first_name": "三\x00", "last_name": "张",
    })
    assert response.status_code == 200, response.content
    case = Case.objects.get()
    assert case.description == CLEAN and case.submitter_name == "张三"
    # A row stored before the rule existed: the XML leaves the characters out and stays well-formed.
    Case.objects.filter(pk=case.pk).update(description=STORED)
    listing = Client().get("/open311/v2/requests.xml", {"api_key": secret})
    assert listing.status_code == 200
    root = ET.fromstring(listing.content)
    assert root.find("request/description").text == CLEAN


def test_the_xml_writer_drops_what_xml_cannot_hold():
    root = ET.fromstring(formats.to_xml("errors", [{"code": 400, "description": HOSTILE}]))
    assert root.find("error/description").text == CLEAN


# -- the roster and commands -------------------------------------------------------------------


def test_roster_cells_are_cleaned(building):
    report = roster.import_roster(actor=SYSTEM, building=building, source=[{
        "name": "R\x01&D\x00 科技有限公司", "uscc": make_uscc(77), "industry": "I", "floor": 5, "unit": "5\x0001",
        "contact_name": "张\x1b三", "contact_phone": "139\x0012345678",
    }])
    assert report.written, report.errors
    enterprise = Enterprise.objects.get(uscc=make_uscc(77))
    assert enterprise.name == "R&D 科技有限公司"
    assert enterprise.contacts.get().name == "张三"
    assert enterprise.occupancies.get().unit.number == "501"


def test_command_arguments_are_cleaned_before_they_are_saved(building):
    call_command("open311_key", "Hot\x01line\x00", stdout=StringIO())
    assert ClientKey.objects.get().name == "Hotline"


# -- outputs of rows stored earlier --------------------------------------------------------------


def test_exports_write_whatever_an_older_row_holds(building):
    enterprise = Enterprise.objects.filter(occupancies__unit__floor__building=building).first()
    Enterprise.objects.filter(pk=enterprise.pk).update(name=STORED)  # bypasses every check, as old data does
    workbook = openpyxl.load_workbook(io.BytesIO(roster.export_workbook(building)))
    names = [row[0] for row in workbook[roster.SHEET_DATA].iter_rows(min_row=2, values_only=True)]
    assert CLEAN in names

    CaseFactory(floor=building.floors.get(number=5), description=STORED)
    from louwei.cases.exports import cases_workbook

    book = openpyxl.load_workbook(io.BytesIO(cases_workbook(Case.objects.all(), title="x")))
    assert CLEAN in [c for row in book.active.iter_rows(values_only=True) for c in row]


def test_append_row_cleans_every_string_cell():
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("s")
    append_row(sheet, [HOSTILE, 3, None])
    out = io.BytesIO()
    book.save(out)
    assert next(openpyxl.load_workbook(out).active.iter_rows(values_only=True))[:2] == (CLEAN, 3)


# -- paths, query strings and headers (row 6) -----------------------------------------------------


@pytest.mark.parametrize("path", [
    "/f/XCFZ-B-0%005/", "/t/2026%00/abc/", "/buildings/XCFZ-B%00/", "/enterprises/1%00/",
    "/cases/%01/",
])
def test_a_path_with_a_control_character_is_not_found(client, building, secretary, path):
    client.force_login(secretary)
    assert client.get(path).status_code == 404


def test_the_api_and_open311_answer_in_their_own_format(building, secretary):
    from louwei.api.services import create_token

    token = create_token(actor=secretary, user=secretary).secret
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = api.get("/api/v1/case-categories/a%00b/")
    assert response.status_code == 404 and "detail" in response.json()
    response = api.get("/api/v1/cases/", {"search": "a\x00b"})
    assert response.status_code == 400 and "detail" in response.json()
    response = Client().get("/open311/v2/requests.xml", {"service_code": "a\x00"})
    assert response.status_code == 400
    assert ET.fromstring(response.content).find("error/code").text == "400"


@pytest.mark.parametrize("query", [
    {"floor": "XCFZ-B-05\x00"}, {"q": "a\x00b"}, {"q": "\x01"},
])
def test_a_query_string_with_a_control_character_is_refused(client, building, secretary, query):
    client.force_login(secretary)
    for path in ("/cases/similar/", "/policies/", f"/buildings/{building.code}/cases/", "/"):
        response = client.get(path, query)
        assert response.status_code == 400, path


def test_numbers_too_large_for_the_database_are_not_found(client, building, secretary):
    client.force_login(secretary)
    assert client.get("/enterprises/99999999999999999999999/").status_code == 404
    assert client.get("/notices/9223372036854775808/").status_code == 404


def test_headers_with_control_characters_are_cleaned(client, building, secretary):
    client.cookies["sessionid"] = "abc\x00def"
    assert client.get("/").status_code in (200, 302)
    response = Client().get("/api/v1/buildings/", HTTP_AUTHORIZATION="Bearer abc\x00defghijklmnopqrstuvwxyz")
    assert response.status_code == 401
    assert Client().get("/login/", HTTP_X_REAL_IP="1.2.3.4\x00").status_code == 200


def test_a_list_of_ids_with_one_the_database_cannot_hold_matches_only_the_others(building):
    from louwei.buildings.models import Floor

    floor = building.floors.first()
    found = Floor.objects.filter(pk__in=[floor.pk, 10**30, -(10**30)])
    assert list(found) == [floor]
    assert list(Floor.objects.filter(pk__in=[10**30])) == []


@pytest.mark.parametrize("query", [
    {"since": "0001-01-01"}, {"until": "9999-12-31"}, {"q": "长" * 60_000},
])
def test_the_case_list_refuses_absurd_dates_and_cuts_nothing_it_cannot_search(client, building, secretary, query):
    client.force_login(secretary)
    response = client.get(f"/buildings/{building.code}/cases/", query)
    assert response.status_code == 200
    assert response.context["filter"].errors


def test_the_library_refuses_absurd_dates(client, building, person):
    client.force_login(person(RoleKind.COMMITTEE_SECRETARY, building))
    for query in ({"published_from": "0001-01-01"}, {"published_to": "9999-12-31"}, {"q": "长" * 60_000}):
        response = client.get("/policies/", query)
        assert response.status_code == 200
        assert response.context["form"].errors


def test_the_kernels_date_field_says_which_dates_it_takes():
    from django.utils import translation

    from louwei.core.forms import DateField

    with translation.override("en"):
        field = DateField()
        assert field.clean("2026-12-05").year == 2026
        with pytest.raises(Exception) as info:
            field.clean("9999-12-31")
    assert "1900-01-01" in str(info.value) and "2199-12-31" in str(info.value)


def test_the_api_search_is_cut_to_what_a_search_box_takes(building, secretary):
    from louwei.api.services import create_token

    token = create_token(actor=secretary, user=secretary).secret
    for path in ("/api/v1/cases/", "/api/v1/enterprises/", "/api/v1/case-handlers/"):
        response = Client().get(path, {"search": "长" * 60_000 + " a b c d e f g h i j k l"},
                                HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 200, path
