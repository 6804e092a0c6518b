"""Spreadsheet bombs: small .xlsx files that unpack to a great deal are refused before they are
parsed, by the service, on the import page and by the command, each with its reason.

The files are built here, small compressed and large unpacked (louwei.testing.workbooks). How fast
the refusal comes is measured in bench/ (``python -m bench --only bombs``), not here.
"""

import functools
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from louwei.access import SYSTEM
from louwei.buildings import roster
from louwei.buildings.models import Enterprise
from louwei.core.models import AuditEvent
from louwei.testing.workbooks import roster_bomb, understate

from .conftest import HEADERS, make_workbook, row

pytestmark = pytest.mark.django_db

# name → (how the file is built, what the refusal says)
BOMBS = {
    # The first file: a million formatted blank rows, about 180 MB unpacked.
    "blank rows": (dict(blank_rows=1_048_575, blank_cells=12), "too large once unpacked (more than 50.0"),
    "blank rows, true dimension": (dict(blank_rows=40_000), "says it spans A1:L40001"),
    "blank rows, dimension that lies": (dict(blank_rows=40_000, dimension="A1:L2"), "more than 5,010 rows"),
    "blank rows, no dimension": (dict(blank_rows=40_000, dimension=None), "more than 5,010 rows"),
    # The second file: one row of four million cells.
    "a wide row": (dict(row_cells=4_000_000, cell_refs=False), "says it spans A1:XFD2"),
    "a wide row, dimension that lies": (
        dict(row_cells=4_000_000, cell_refs=False, dimension="A1:L2"),
        "has cells beyond column AX",
    ),
    "a wide row with references, dimension that lies": (
        dict(row_cells=200_000, dimension="A1:L2"),
        "has cells beyond column AX",
    ),
    "many cells within the rows and columns": (
        dict(blank_rows=5_000, blank_cells=40, dimension=None),
        "more than 125,250 cells",
    ),
    "shared strings": (dict(shared_strings=3_000_000), "more than 501,000 XML elements"),
    "padding": (dict(padding=60_000_000), "too large once unpacked"),
}


@functools.cache
def bomb(name: str) -> bytes:
    if name == "a part bigger than its header says":
        data = roster_bomb(blank_rows=100_000, blank_cells=12, dimension="A1:L2")
        return understate(data, "xl/worksheets/sheet1.xml", 4096)
    return roster_bomb(**BOMBS[name][0])


def expected(name: str) -> str:
    if name == "a part bigger than its header says":
        return "one of its parts unpacks to more than its header says"
    return BOMBS[name][1]


NAMES = [*BOMBS, "a part bigger than its header says"]


def test_the_bombs_are_small_and_unpack_to_a_lot():
    import zipfile

    for name in ("blank rows", "a wide row", "shared strings", "a part bigger than its header says"):
        data = bomb(name)
        assert len(data) < 1_000_000, name
    unpacked = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(bomb("blank rows"))).infolist())
    assert unpacked > 150_000_000


@pytest.mark.parametrize("name", NAMES)
def test_the_service_refuses(building, name):
    with pytest.raises(ValidationError) as info:
        roster.import_roster(actor=SYSTEM, building=building, source=bomb(name), dry_run=True)
    assert expected(name) in info.value.messages[0]
    assert info.value.messages[0].endswith((".", "。"))


@pytest.mark.parametrize("name", NAMES)
def test_the_import_page_refuses(client, secretary, building, name):
    client.force_login(secretary)
    response = client.post(
        reverse("buildings:roster_import", args=[building.code]),
        {"step": "preview", "file": SimpleUploadedFile("名册.xlsx", bomb(name), roster.XLSX_CONTENT_TYPE)},
    )
    assert response.status_code == 200
    assert expected(name) in response.content.decode()
    assert "report" not in response.context  # no preview
    assert not Enterprise.objects.exists() and not AuditEvent.objects.exists()


@pytest.mark.parametrize("name", NAMES)
def test_the_command_refuses(building, tmp_path, name):
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(bomb(name))
    with pytest.raises(CommandError) as info:
        call_command("import_roster", str(path), "--building", building.code, stdout=io.StringIO(),
                     stderr=io.StringIO())
    assert expected(name) in str(info.value)
    assert not Enterprise.objects.exists() and not AuditEvent.objects.exists()


def test_the_refusal_is_translated(building):
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(ValidationError) as info:
        roster.import_roster(actor=SYSTEM, building=building, source=bomb("blank rows, dimension that lies"))
    assert "名册" in info.value.messages[0] and "5,010" in info.value.messages[0]
    assert "rows" not in info.value.messages[0]


def test_blank_rows_count_towards_the_row_limit(building, settings):
    settings.LOUWEI_MAX_ROSTER_ROWS = 3
    blank = [None] * len(HEADERS)
    with pytest.raises(ValidationError) as info:
        roster.import_roster(actor=SYSTEM, building=building, source=make_workbook([row(1), blank, blank, blank, row(2)]))
    assert "more than 3 rows below its header, empty rows included" in info.value.messages[0]
    # three rows below the header, one of them blank, are within the limit
    report = roster.import_roster(actor=SYSTEM, building=building, source=make_workbook([row(1), blank, row(2)]))
    assert report.written and report.created == 2


def with_sheet(data: bytes, change) -> bytes:
    """``data`` with its first sheet's XML passed through ``change``."""
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = change(content)
            archive.writestr(info.filename, content)
    return buffer.getvalue()


def test_a_text_longer_than_a_cell_holds_is_refused(building):
    # openpyxl cuts a longer string to Excel's 32,767 characters, so the file is changed afterwards
    data = with_sheet(make_workbook([row(1, name="长长")]), lambda xml: xml.replace("长长".encode(), "长".encode() * 40_000))
    with pytest.raises(ValidationError) as info:
        roster.import_roster(actor=SYSTEM, building=building, source=data)
    assert "more than 32,767 characters" in info.value.messages[0]


def test_a_document_type_declaration_is_refused(building):
    data = with_sheet(make_workbook([row(1)]), lambda xml: b'<!DOCTYPE x [<!ENTITY a "aaaaaaaa">]>' + xml)
    with pytest.raises(ValidationError) as info:
        roster.import_roster(actor=SYSTEM, building=building, source=data)
    assert "not an Excel workbook" in info.value.messages[0]


def test_a_full_roster_is_within_every_limit(building):
    """The limits leave room for a full roster: LOUWEI_MAX_ROSTER_ROWS rows of every column, with a
    title row above the header."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["某某大厦企业名册"])
    sheet.append(HEADERS)
    for n in range(5000):
        sheet.append(row(n))
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert len(roster.read_source(buffer.getvalue()).rows) == 5000
