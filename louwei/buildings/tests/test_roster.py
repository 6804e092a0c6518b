"""The roster service: reading what people type, checking every row, writing all or nothing,
idempotent re-imports, and the export that re-imports unchanged."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from louwei.access import SYSTEM
from louwei.buildings import roster
from louwei.buildings.models import Enterprise, EnterpriseContact, Industry, Occupancy, PartyOrganisation, Unit
from louwei.buildings.roster import COLUMNS, import_roster
from louwei.core.models import AuditEvent
from louwei.testing.factories import make_uscc

from .conftest import HEADERS, make_workbook, row

pytestmark = pytest.mark.django_db
COL = {column.key: index for index, column in enumerate(COLUMNS)}


def run(building, data, **kwargs):
    return import_roster(actor=SYSTEM, building=building, source=data, **kwargs)


def state():
    """Everything an import may change, to compare before and after."""
    return (
        sorted(Enterprise.objects.values_list("uscc", "name", "industry", "employee_count", "party_organisation",
                                              "party_member_count")),
        sorted(EnterpriseContact.objects.values_list("enterprise__uscc", "name", "phone", "email", "is_primary")),
        sorted(Occupancy.objects.values_list("enterprise__uscc", "unit__number", "started_on", "ended_on")),
        sorted(Unit.objects.values_list("floor__number", "number")),
    )


# ----------------------------------------------------------------------------------------------
# Reading cells


@pytest.mark.parametrize(
    "value,expected",
    [("F", "F"), ("f", "F"), ("F 批发和零售业", "F"), ("批发和零售业", "F"), ("商贸", "F"), ("建筑", "E"),
     ("传媒", "R"), ("园林", "N"), ("金融", "J"), ("信息科技", "I"), ("金融业", "J"), ("Ｊ", "J"),
     (" 信息科技 ", "I"), ("Finance", "J"), (None, None)],
)
def test_industry(value, expected):
    assert roster.parse_industry(value) == expected


def test_unknown_industry():
    with pytest.raises(ValidationError) as info:
        roster.parse_industry("卖菜")
    assert "Unknown industry" in info.value.messages[0]


@pytest.mark.parametrize(
    "value,expected",
    [("无", "none"), ("独立支部", "own_branch"), ("联合支部", "joint_branch"), ("none", "none"),
     ("own_branch", "own_branch"), ("joint_branch", "joint_branch"), ("Joint Party branch", "joint_branch"),
     ("", None)],
)
def test_party_organisation(value, expected):
    assert roster.parse_party_organisation(value) == expected


@pytest.mark.parametrize(
    "value,expected",
    [(datetime.datetime(2021, 9, 10), datetime.date(2021, 9, 10)), ("2021-09-10", datetime.date(2021, 9, 10)),
     ("2021/9/10", datetime.date(2021, 9, 10)), ("2021年9月10日", datetime.date(2021, 9, 10)),
     ("２０２１－０９－１０", datetime.date(2021, 9, 10)), ("2021.9.10", datetime.date(2021, 9, 10)),
     ("20210910", datetime.date(2021, 9, 10)), (44449, datetime.date(2021, 9, 10)), (None, None)],
)
def test_dates(value, expected):
    assert roster.parse_date(value) == expected


@pytest.mark.parametrize("value", ["2021-13-01", "next week", 2021])
def test_bad_dates(value):
    with pytest.raises(ValidationError):
        roster.parse_date(value)


@pytest.mark.parametrize("value,expected", [(5, 5), (5.0, 5), ("5", 5), ("5F", 5), ("５层", 5), ("B1", -1), ("-2", -2)])
def test_floors(value, expected):
    assert roster.parse_floor_number(value) == expected


@pytest.mark.parametrize("value,expected", [(30, 30), ("３０", 30), ("30人", 30), (30.0, 30), ("", None)])
def test_counts(value, expected):
    assert roster.parse_count(value) == expected


@pytest.mark.parametrize("value", [-1, "-3", "2.5", 2.5, "many"])
def test_bad_counts(value):
    with pytest.raises(ValidationError):
        roster.parse_count(value)


@pytest.mark.parametrize(
    "value,expected",
    [("138 0000 1234", "13800001234"), ("138-0000-1234", "13800001234"), ("１３８００００１２３４", "13800001234"),
     (13800001234, "13800001234"), ("0537 1234567", "0537-1234567")],
)
def test_phones(value, expected):
    assert roster.parse_phone(value) == expected


# ----------------------------------------------------------------------------------------------
# Importing


def test_good_file_is_imported(building):
    data = make_workbook([row(1), row(2, party_organisation="联合支部", industry="信息科技")])
    report = run(building, data)
    assert report.ok and report.written
    assert (report.created, report.updated, report.unchanged, report.rejected) == (2, 0, 0, 0)
    enterprise = Enterprise.objects.get(uscc=make_uscc(5002))
    assert enterprise.industry == Industry.I and enterprise.party_organisation == PartyOrganisation.JOINT_BRANCH
    occupancy = Occupancy.objects.get(enterprise=enterprise)
    assert occupancy.unit.floor.number == 3 and occupancy.unit.number == "0302"
    assert occupancy.started_on == datetime.date(2021, 9, 10)
    contact = enterprise.contacts.get()
    assert contact.is_primary and contact.phone == "13800000002" and contact.email == "c2@example.com"
    assert report.units_created == ["3F 0301", "3F 0302"]
    assert AuditEvent.objects.filter(verb="roster.imported").count() == 1


def test_full_width_and_stray_spaces_are_normalised(building):
    code = make_uscc(5001)
    full_width = code.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789ABCDEFGHJKLMNPQRTUWXY"})
    data = make_workbook([row(1, name=" 全角　企业 有限公司 ", uscc=f" {full_width[:6]} {full_width[6:].lower()} ",
                              floor="３", unit=" ０３０１ ", employee_count="３０", party_member_count=" 2 ",
                              contact_phone="138 0000-0001", moved_in_on="2021年9月10日", industry=" ｆ ")])
    report = run(building, data)
    assert report.ok, report.error_lines()
    enterprise = Enterprise.objects.get()
    assert enterprise.uscc == code and enterprise.name == "全角 企业 有限公司"
    assert enterprise.industry == "F" and enterprise.employee_count == 30
    assert enterprise.contacts.get().phone == "13800000001"
    assert Occupancy.objects.get().unit.number == "0301"


def test_bad_rows_write_nothing_and_each_error_is_reported(building, ent5):
    before = state()
    rows = [
        row(1),  # good
        row(2, uscc=make_uscc(5002)[:-1] + ("0" if make_uscc(5002)[-1] != "0" else "1")),  # wrong check character
        row(3, floor=9),  # the building has no floor 9
        row(4, contact_phone="12345"),  # not a phone number
        row(5, name=""),  # required
        row(6, employee_count=-1),  # negative
        row(7, employee_count=3, party_member_count=5),  # more Party members than employees
        row(8, uscc=ent5.uscc),  # the code belongs to another name in the registry
        row(1, name="导入企业1有限公司", employee_count=99, unit="0399"),  # same code, different data
        row(9, industry="卖菜", moved_in_on="昨天"),
    ]
    report = run(building, make_workbook(rows))
    assert not report.written and not report.ok
    assert state() == before
    assert not AuditEvent.objects.exists()
    found = {(e.row, e.column.split(" ")[0]) for e in report.errors}
    assert found == {
        (3, "统一社会信用代码"),
        (4, "楼层"),
        (5, "联系电话"),
        (6, "企业名称"),
        (7, "职工人数"),
        (8, "党员人数"),
        (9, "统一社会信用代码"),
        (10, "职工人数"),
        (11, "行业"),
        (11, "入驻日期"),
    }
    by_row = {e.row: e.message for e in report.errors}
    assert "check character" in by_row[3]
    assert "no floor 9" in by_row[4]
    assert "not a valid phone number" in by_row[5]
    assert "required" in by_row[6]
    assert "negative" in by_row[7]
    assert "outnumber" in by_row[8]
    assert ent5.name in by_row[9]
    assert "Row 2 has the same credit code" in by_row[10]
    assert report.rejected == 9
    assert report.created == 1  # what the good row would do


def test_dry_run_writes_nothing(building):
    report = run(building, make_workbook([row(1), row(2)]), dry_run=True)
    assert report.ok and not report.written
    assert report.created == 2 and report.units_created == ["3F 0301", "3F 0302"]
    assert not Enterprise.objects.exists() and not Unit.objects.exists() and not AuditEvent.objects.exists()


def test_skip_invalid_writes_the_good_rows_and_returns_the_bad(building):
    rows = [row(1), row(2, contact_phone="12345"), row(3)]
    report = run(building, make_workbook(rows), skip_invalid=True)
    assert report.written
    assert (report.created, report.rejected) == (2, 1)
    assert set(Enterprise.objects.values_list("uscc", flat=True)) == {make_uscc(5001), make_uscc(5003)}
    sheet = load_workbook(io.BytesIO(report.rejected_workbook())).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][: len(HEADERS)] == tuple(HEADERS)
    assert values[0][len(HEADERS)].startswith("错误原因")
    assert len(values) == 2
    assert values[1][COL["name"]] == "导入企业2有限公司"
    assert values[1][COL["contact_phone"]] == "12345"
    assert "联系电话" in values[1][len(HEADERS)] and "not a valid phone number" in values[1][len(HEADERS)]
    assert values[1][len(HEADERS) + 1] == 3


def test_reimporting_changes_nothing(building):
    data = make_workbook([row(1), row(2), row(2, unit="0399")])  # enterprise 2 holds two units
    first = run(building, data)
    assert first.written and (first.created, first.updated) == (2, 1)
    before = state()
    events = AuditEvent.objects.count()
    second = run(building, data)
    assert (second.created, second.updated, second.unchanged, second.rejected) == (0, 0, 3, 0)
    assert state() == before
    assert AuditEvent.objects.count() == events + 1  # only the import itself is recorded
    assert second.units_created == []


def test_reimport_updates_only_what_differs(building):
    run(building, make_workbook([row(1), row(2)]))
    report = run(building, make_workbook([row(1, employee_count=31), row(2, contact_email="new@example.com")]))
    assert (report.created, report.updated, report.unchanged) == (0, 2, 0)
    assert Enterprise.objects.get(uscc=make_uscc(5001)).employee_count == 31
    assert EnterpriseContact.objects.get(enterprise__uscc=make_uscc(5002)).email == "new@example.com"
    assert EnterpriseContact.objects.count() == 2 and Occupancy.objects.count() == 2


def test_blank_optional_cells_keep_what_is_known(building):
    run(building, make_workbook([row(1)]))
    report = run(building, make_workbook([row(1, employee_count=None, party_organisation=None, moved_in_on=None,
                                              contact_phone=None, contact_email=None, contact_name=None)]))
    assert report.unchanged == 1
    enterprise = Enterprise.objects.get()
    assert enterprise.employee_count == 30 and enterprise.contacts.get().phone == "13800000001"


def test_unknown_unit_on_existing_floor_is_created_and_floor_must_exist(building):
    report = run(building, make_workbook([row(1, floor=4, unit="0466")]))
    assert report.written and Unit.objects.filter(floor__number=4, number="0466").exists()
    assert report.units_created == ["4F 0466"]


def test_an_enterprise_moving_into_the_building_keeps_its_record(building, other_building, ent5):
    # ent5 is known to the registry; a roster row with its code and name moves it into another unit
    data = make_workbook([row(1, uscc=ent5.uscc, name=ent5.name, floor=6, unit="0601")])
    report = run(building, data)
    assert report.updated == 1
    assert Occupancy.objects.current().filter(enterprise=ent5).count() == 2


def test_columns_in_another_order_and_extra_columns(building):
    headers = ["备注", *reversed(HEADERS)]
    data = make_workbook([["随便写", *reversed(row(1))]], headers=headers)
    report = run(building, data)
    assert report.ok and report.created == 1
    assert report.ignored_columns == ["备注"]


def test_headers_in_chinese_only_and_a_title_row(building):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["某某大厦企业名册"])
    sheet.append([column.zh for column in COLUMNS])
    sheet.append(row(1))
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = run(building, buffer.getvalue())
    assert report.ok and report.created == 1
    assert not report.errors


# ----------------------------------------------------------------------------------------------
# Whole-file problems


def test_not_an_xlsx(building):
    with pytest.raises(ValidationError) as info:
        run(building, b"name,uscc\nx,y\n")
    assert "not an Excel workbook" in info.value.messages[0]


def test_a_zip_that_is_not_a_workbook(building):
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(ValidationError):
        run(building, buffer.getvalue())


def test_missing_required_columns(building):
    data = make_workbook([["x", "y"]], headers=["企业名称\nName", "行业\nIndustry"])
    with pytest.raises(ValidationError) as info:
        run(building, data)
    assert "统一社会信用代码" in info.value.messages[0] and "楼层" in info.value.messages[0]


def test_too_many_rows(building, settings):
    settings.LOUWEI_MAX_ROSTER_ROWS = 3
    with pytest.raises(ValidationError) as info:
        run(building, make_workbook([row(n) for n in range(1, 5)]))
    assert "more than 3 rows" in info.value.messages[0]
    assert not Enterprise.objects.exists()


def test_empty_rows_are_skipped(building):
    report = run(building, make_workbook([row(1), [None] * len(HEADERS), ["", " "], row(2)]))
    assert report.rows == 2 and report.created == 2


# ----------------------------------------------------------------------------------------------
# Template and export


def test_template_layout():
    workbook = load_workbook(io.BytesIO(roster.template_workbook()))
    assert workbook.sheetnames == [roster.SHEET_DATA, roster.SHEET_HELP, roster.SHEET_LISTS]
    sheet = workbook[roster.SHEET_DATA]
    headers = [cell.value for cell in sheet[1]]
    assert headers == HEADERS
    for zh in ("企业名称", "统一社会信用代码", "行业", "楼层", "房间号", "入驻日期", "职工人数", "党组织", "党员人数",
               "联系人", "联系电话", "邮箱"):
        assert any(h.startswith(zh + "\n") for h in headers)
    assert sheet.max_row == 1  # no example in the data sheet
    assert sheet.freeze_panes == "A2"
    validations = {str(dv.sqref).split(":")[0]: dv.formula1 for dv in sheet.data_validations.dataValidation}
    industry_col = chr(ord("A") + COL["industry"])
    party_col = chr(ord("A") + COL["party_organisation"])
    assert "$A$1:$A$20" in validations[f"{industry_col}2"]
    assert "$B$1:$B$3" in validations[f"{party_col}2"]
    lists = workbook[roster.SHEET_LISTS]
    assert lists.sheet_state == "hidden"
    assert lists["A6"].value == "F 批发和零售业" and lists["B3"].value == "联合支部"
    help_rows = [r for r in workbook[roster.SHEET_HELP].iter_rows(values_only=True)]
    assert any(r[0] == "示例商贸有限公司" for r in help_rows)


def test_template_example_row_is_valid(building):
    # the example on the instructions sheet passes the checks (on a building with a floor 5)
    example = dict(zip([c.key for c in COLUMNS], roster.EXAMPLE_ROW, strict=True))
    report = run(building, [example], dry_run=True)
    assert report.ok, report.error_lines()


def test_an_empty_template_imports_nothing(building):
    report = run(building, roster.template_workbook())
    assert report.rows == 0 and report.ok


def test_export_then_import_changes_nothing(building, ent5, ent2, other_building, floor5):
    from louwei.buildings import services

    services.update_enterprise(actor=SYSTEM, enterprise=ent2, party_organisation="own_branch", employee_count=0,
                               party_member_count=0)
    services.add_contact(actor=SYSTEM, enterprise=ent2, name="王五", email="w@example.com")
    services.add_contact(actor=SYSTEM, enterprise=ent5, name="备用联系人", phone="0537-1234567")
    services.move_in(actor=SYSTEM, enterprise=ent5, floor=floor5, unit_number="05-99",
                     started_on=datetime.date(2020, 1, 2))
    basement = services.create_floor(actor=SYSTEM, building=building, number=-1)
    services.move_in(actor=SYSTEM, enterprise=ent2, floor=basement, unit_number="B101",
                     started_on=datetime.date(2019, 5, 6))
    data = roster.export_workbook(building)
    sheet = load_workbook(io.BytesIO(data))[roster.SHEET_DATA]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 4  # one per current occupancy
    assert rows[0][COL["floor"]] == "B1"
    before = state()
    events = AuditEvent.objects.count()
    report = run(building, data)
    assert report.ok, report.error_lines()
    assert (report.created, report.updated, report.unchanged) == (0, 0, 4)
    assert state() == before
    assert AuditEvent.objects.count() == events + 1


def test_export_asks_access_itself(building, other_building, ent5):
    """The roster holds contacts' personal data: export_roster refuses a person who may not export
    this building's roster, whoever calls it (a job, a command, a future API), and audits nothing."""
    from django.core.exceptions import PermissionDenied

    from louwei.accounts.models import RoleKind
    from louwei.testing.factories import UserFactory, grant

    outsider = UserFactory()
    grant(outsider, RoleKind.COMMITTEE_SECRETARY, other_building)
    events = AuditEvent.objects.count()
    for actor in (outsider, UserFactory(), None):
        with pytest.raises(PermissionDenied):
            roster.export_roster(actor=actor, building=building)
    assert AuditEvent.objects.count() == events
    secretary = UserFactory()
    grant(secretary, RoleKind.COMMITTEE_SECRETARY, building)
    assert roster.export_roster(actor=secretary, building=building)
    assert AuditEvent.objects.count() == events + 1


def test_export_query_count_does_not_grow(building, django_assert_max_num_queries):
    from louwei.testing.factories import EnterpriseContactFactory, enterprise_on

    for n in range(40):
        EnterpriseContactFactory(enterprise=enterprise_on(building.floors.get(number=n % 6 + 1)))
    with django_assert_max_num_queries(3):
        rows = roster.export_rows(building)
    assert len(rows) == 40


def test_a_row_refused_while_writing_is_rolled_back_alone(building):
    # A 260-character address passes the e-mail check but not the registry's 254-character field:
    # the row fails while it is written, after its enterprise was created.
    long_email = "a" * 250 + "@x.cn"
    rows = [row(1), row(2, contact_email=long_email), row(3), row(2, unit="0388", contact_email=None)]
    report = run(building, make_workbook(rows), skip_invalid=True)
    assert report.written and (report.created, report.rejected) == (3, 1)
    assert [(e.row, e.column.split(" ")[0]) for e in report.errors] == [(3, "邮箱")]
    # row 5 (the same enterprise as the refused row 3, in another unit) was written on its own
    enterprise = Enterprise.objects.get(uscc=make_uscc(5002))
    assert list(enterprise.occupancies.values_list("unit__number", flat=True)) == ["0388"]
    assert not Unit.objects.filter(number="0302").exists()


def test_a_row_refused_while_writing_stops_the_whole_import(building):
    rows = [row(1), row(2, contact_email="a" * 250 + "@x.cn"), row(3)]
    report = run(building, make_workbook(rows))
    assert not report.written and report.rejected == 1
    assert not Enterprise.objects.exists() and not AuditEvent.objects.exists()


# ----------------------------------------------------------------------------------------------
# Formula injection: every workbook written here keeps formula-like strings as text


FORMULA_NAME = '=HYPERLINK("http://x")'


def test_a_formula_like_name_is_exported_as_text_and_reimports_unchanged(building, floor5):
    from louwei.testing.factories import EnterpriseContactFactory, enterprise_on

    enterprise = enterprise_on(floor5, name=FORMULA_NAME)
    EnterpriseContactFactory(enterprise=enterprise, name="@某人", phone="13800000009", is_primary=True)
    data = roster.export_workbook(building)
    sheet = load_workbook(io.BytesIO(data))[roster.SHEET_DATA]
    name_cell = sheet.cell(row=2, column=COL["name"] + 1)
    assert name_cell.value == FORMULA_NAME
    assert name_cell.data_type == "s" and name_cell.quotePrefix
    contact_cell = sheet.cell(row=2, column=COL["contact_name"] + 1)
    assert contact_cell.value == "@某人" and contact_cell.data_type == "s"
    # no cell of the workbook is a formula
    workbook = load_workbook(io.BytesIO(data))
    assert not [c.coordinate for ws in workbook for r in ws.iter_rows() for c in r if c.data_type == "f"]

    before = state()
    report = run(building, data)
    assert report.ok, report.error_lines()
    assert (report.created, report.updated, report.unchanged) == (0, 0, 1)
    assert state() == before
    enterprise.refresh_from_db()
    assert enterprise.name == FORMULA_NAME


def text_workbook(headers, rows) -> bytes:
    """A workbook whose cells are all stored as typed, as a spreadsheet keeps text cells."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for r, values in enumerate([headers, *rows], start=1):
        for c, value in enumerate(values, start=1):
            cell = sheet.cell(row=r, column=c, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("value", ["=1+2", "+86 138", "-5", "@SUM(A1)", "\t=1+2", "\r=1+2"])
def test_rejected_rows_keep_formula_like_cells_as_text(building, value):
    headers = [*HEADERS, "=cmd|' /C calc'!A0"]  # an extra column's header is copied too
    data = text_workbook(headers, [[*row(1, name="某某有限公司", contact_name=value, contact_phone="12345"), value]])
    report = run(building, data, skip_invalid=True)
    assert report.rejected == 1
    sheet = load_workbook(io.BytesIO(report.rejected_workbook())).active
    read_back = value.replace("\r", "\n")  # XML reads a stored carriage return as a line feed
    for column in (COL["contact_name"] + 1, len(HEADERS) + 1):
        cell = sheet.cell(row=2, column=column)
        assert cell.value == read_back and cell.data_type == "s" and cell.quotePrefix
    header = sheet.cell(row=1, column=len(HEADERS) + 1)
    assert header.value == "=cmd|' /C calc'!A0" and header.data_type == "s" and header.quotePrefix


def test_the_template_has_no_formula_cells():
    workbook = load_workbook(io.BytesIO(roster.template_workbook()))
    assert not [c.coordinate for ws in workbook for r in ws.iter_rows() for c in r if c.data_type == "f"]


def test_text_safe_is_the_one_rule():
    from openpyxl import Workbook

    sheet = Workbook().active
    cases = [("=A1", True), ("+1", True), ("-1", True), ("@x", True), ("\t=1", True), ("\r=1", True),
             ("\n=1", True), ("a=b", False), ("普通文字", False), (-1, False), (None, False)]
    for number, (value, text) in enumerate(cases, start=1):
        cell = roster.text_safe(sheet.cell(row=number, column=1, value=value))
        assert bool(cell.quotePrefix) is text, value
        if isinstance(value, str):
            assert cell.data_type == "s"


# ----------------------------------------------------------------------------------------------
# Someone else writes while an import runs: the row in conflict is rejected, the import goes on


class Meanwhile:
    """Runs an action once, when the import reports that every row is checked and the registry
    read, before it writes (its progress reaches the half): as if another person registered
    something between the import's checks and its writes."""

    def __init__(self):
        self.pending = []

    def __call__(self, action):
        self.pending.append(action)

    def progress(self, done, total):
        if self.pending and done * 2 >= total:
            self.pending.pop()()


@pytest.fixture
def meanwhile():
    return Meanwhile()


@pytest.mark.parametrize("skip_invalid", [True, False])
def test_a_code_registered_during_the_import_rejects_its_row(building, meanwhile, skip_invalid):
    from louwei.testing.factories import EnterpriseFactory

    meanwhile(lambda: EnterpriseFactory(uscc=make_uscc(5002), name="导入企业2有限公司"))
    report = run(building, make_workbook([row(1), row(2), row(3)]), skip_invalid=skip_invalid,
                 progress=meanwhile.progress)
    assert report.rejected == 1
    [error] = report.errors
    assert error.row == 3 and error.column.startswith("统一社会信用代码") and "already registered" in error.message
    assert report.written is skip_invalid
    if skip_invalid:
        assert report.created == 2
        assert Enterprise.objects.get(uscc=make_uscc(5002)).occupancies.count() == 0
    else:
        assert not Enterprise.objects.exists()


@pytest.mark.parametrize("skip_invalid", [True, False])
def test_a_move_in_recorded_during_the_import_rejects_its_row(building, ent5, meanwhile, skip_invalid):
    unit = ent5.occupancies.get().unit
    # the file moves ent5 into a second unit, 0302; someone records that move-in meanwhile
    target = Unit.objects.create(floor=building.floors.get(number=3), number="0302")
    meanwhile(lambda: Occupancy.objects.create(enterprise=ent5, unit=target, started_on=datetime.date(2021, 9, 10)))
    rows = [row(1), row(2, uscc=ent5.uscc, name=ent5.name, employee_count=None, party_member_count=None,
                        contact_name=None, contact_phone=None, contact_email=None)]
    report = run(building, make_workbook(rows), skip_invalid=skip_invalid, progress=meanwhile.progress)
    assert report.rejected == 1
    [error] = report.errors
    assert error.row == 3 and error.column.startswith("房间号") and "already occupies" in error.message
    assert report.written is skip_invalid
    assert Occupancy.objects.filter(enterprise=ent5, unit=unit, ended_on__isnull=True).exists()
    assert Occupancy.objects.filter(enterprise=ent5, unit=target).count() == (1 if skip_invalid else 0)


def test_a_unit_created_during_the_import_is_used(building, meanwhile):
    meanwhile(lambda: Unit.objects.create(floor=building.floors.get(number=3), number="0301"))
    report = run(building, make_workbook([row(1), row(2)]), progress=meanwhile.progress)
    assert report.written and (report.created, report.rejected) == (2, 0)
    assert report.units_created == ["3F 0302"]  # 0301 exists by the time the rows are written
    assert Occupancy.objects.filter(unit__number="0301", enterprise__uscc=make_uscc(5001)).exists()
    assert Unit.objects.filter(number="0301").count() == 1


def test_a_main_contact_named_during_the_import_leaves_the_new_contact_second(building, floor5, meanwhile):
    from louwei.testing.factories import EnterpriseContactFactory, enterprise_on

    enterprise = enterprise_on(floor5, name="无联系人有限公司")
    meanwhile(lambda: EnterpriseContactFactory(enterprise=enterprise, name="先到", is_primary=True))
    data = make_workbook([row(1, uscc=enterprise.uscc, name=enterprise.name, floor=5, unit="0501",
                              employee_count=None, party_member_count=None, party_organisation=None)])
    report = run(building, data, progress=meanwhile.progress)
    assert report.written and report.rejected == 0
    contacts = dict(enterprise.contacts.values_list("name", "is_primary"))
    assert contacts == {"先到": True, "联系人1": False}


def test_party_members_are_checked_by_the_registry_rule(building, monkeypatch):
    """The roster asks services.check_party_members (one rule for pages and roster), row by row."""
    from louwei.buildings import services

    seen = []
    rule = services.check_party_members

    def spy(employee_count, party_member_count):
        seen.append((employee_count, party_member_count))
        return rule(employee_count, party_member_count)

    monkeypatch.setattr(services, "check_party_members", spy)
    report = run(building, make_workbook([row(1), row(2, employee_count=3, party_member_count=5)]), dry_run=True)
    assert seen[:2] == [(30, 2), (3, 5)]  # the checks, row by row (the dry run's writes ask it again)
    assert [(e.row, e.message) for e in report.errors] == [(3, "Party members (5) cannot outnumber employees (3).")]


# ----------------------------------------------------------------------------------------------
# Bulk writes: the queries do not grow with the rows


@pytest.mark.parametrize("count", [20, 200])
def test_the_queries_do_not_grow_with_the_rows(building, secretary, count, django_assert_max_num_queries,
                                              django_capture_on_commit_callbacks):
    """The same bound for 20 rows and for 200, for the preview, the import (the newcomers' notices
    delivered after commit included) and the re-import. On PostgreSQL each table takes one statement:
    17, 29 and 11 queries at either size. SQLite limits a statement to 999 parameters, so its inserts
    go in batches of 50 to 300 rows: 26, 42 and 11 queries at 200 rows."""
    from louwei.notices import services as notices

    notices.publish(actor=SYSTEM, notice=notices.create_draft(actor=SYSTEM, scope=building, title="通知", body="请配合。"))
    data = make_workbook([row(n, uscc=make_uscc(10_000 + n)) for n in range(count)])
    for options in ({"dry_run": True}, {}, {}):
        with django_assert_max_num_queries(45), django_capture_on_commit_callbacks(execute=True):
            report = import_roster(actor=secretary, building=building, source=data, **options)
        assert report.ok
    assert report.unchanged == count
    assert Enterprise.objects.count() == count and Occupancy.objects.count() == count
    assert EnterpriseContact.objects.count() == count and Unit.objects.count() == count
    assert Enterprise.objects.filter(notice_deliveries__isnull=False).count() == count


def test_history_and_audit_are_kept_change_by_change(building, secretary):
    """Bulk writes keep what the one-at-a-time services keep: each enterprise's history (created,
    then changed, by whom) and one audit event per change, in row order."""
    run_as = {"actor": secretary, "building": building}
    import_roster(**run_as, source=make_workbook([row(1), row(2)]))
    first = Enterprise.objects.get(uscc=make_uscc(5001))
    assert [(h.history_type, h.history_user) for h in first.history.all()] == [("+", secretary)]
    verbs = list(AuditEvent.objects.order_by("pk").values_list("verb", "target_repr"))
    assert verbs == [
        ("enterprise.created", "导入企业1有限公司"), ("contact.added", "导入企业1有限公司"),
        ("unit.created", building.name), ("occupancy.moved_in", "导入企业1有限公司"),
        ("enterprise.created", "导入企业2有限公司"), ("contact.added", "导入企业2有限公司"),
        ("unit.created", building.name), ("occupancy.moved_in", "导入企业2有限公司"),
        ("roster.imported", building.name),
    ]
    moved_in = AuditEvent.objects.filter(verb="occupancy.moved_in").order_by("pk").first()
    assert moved_in.details == {"building": "TB-A", "floor": "TB-A-03", "unit": "0301", "started_on": "2021-09-10"}
    assert moved_in.actor == secretary

    import_roster(**run_as, source=make_workbook([row(1, employee_count=31, moved_in_on=datetime.date(2021, 9, 1),
                                                         contact_email="new@example.com")]))
    first.refresh_from_db()
    assert first.employee_count == 31 and first.updated_at > first.created_at
    latest = first.history.first()
    assert latest.history_type == "~" and latest.employee_count == 31 and latest.history_user == secretary
    assert latest.prev_record.employee_count == 30
    last = AuditEvent.objects.filter(verb="roster.imported").order_by("pk").first()
    changes = {e.verb: e.details for e in AuditEvent.objects.filter(pk__gt=last.pk)}
    assert changes["enterprise.updated"] == {"changes": {"employee_count": {"from": 30, "to": 31}}}
    assert changes["contact.updated"] == {
        "contact": "联系人1", "changes": {"email": {"from": "c1@example.com", "to": "new@example.com"}}
    }
    assert changes["occupancy.updated"] == {
        "unit": "0301", "changes": {"started_on": {"from": "2021-09-10", "to": "2021-09-01"}}
    }
    assert Occupancy.objects.get(enterprise=first).started_on == datetime.date(2021, 9, 1)


def test_progress_is_reported_from_start_to_end(building):
    calls = []
    rows = [row(n, uscc=make_uscc(10_000 + n)) for n in range(600)]
    report = run(building, make_workbook(rows), progress=lambda done, total: calls.append((done, total)))
    assert report.created == 600
    assert calls[0] == (0, 1200) and calls[-1] == (1200, 1200)
    assert (600, 1200) in calls  # every row checked, nothing written yet
    assert [done for done, _total in calls] == sorted(done for done, _total in calls)
    assert 4 <= len(calls) <= 12  # every few hundred rows, not every row
