"""import_roster and export_roster, as an operator runs them."""

import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from louwei.buildings.models import Enterprise, Occupancy
from louwei.core.models import AuditEvent
from louwei.testing.factories import make_uscc

from .conftest import HEADERS, make_workbook, row

pytestmark = pytest.mark.django_db


def write(tmp_path, rows, name="roster.xlsx"):
    path = tmp_path / name
    path.write_bytes(make_workbook(rows))
    return path


def call(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_file_with_bad_rows_writes_nothing_and_fails(building, tmp_path):
    path = write(tmp_path, [row(1), row(2, contact_phone="12345"), row(3, floor=42)])
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as info:
        call_command("import_roster", str(path), "--building", "TB-A", stdout=out, stderr=err)
    assert "nothing was written" in str(info.value)
    assert not Enterprise.objects.exists() and not AuditEvent.objects.exists()
    lines = err.getvalue().splitlines()
    assert "Row 3, 联系电话 Contact phone: “12345” is not a valid phone number." in lines
    assert any(line.startswith("Row 4, 楼层 Floor: ") and "no floor 42" in line for line in lines)
    assert not (tmp_path / "roster-rejected.xlsx").exists()


def test_good_file(building, tmp_path):
    path = write(tmp_path, [row(1), row(2)])
    out, _err = call("import_roster", str(path), "--building", "tb-a")
    assert "2 created" in out
    assert Enterprise.objects.count() == 2


def test_dry_run(building, tmp_path):
    path = write(tmp_path, [row(1), row(2)])
    out, _err = call("import_roster", str(path), "--building", "TB-A", "--dry-run")
    assert "Nothing was written" in out and "2 created" in out
    assert not Enterprise.objects.exists()


def test_dry_run_with_bad_rows_fails(building, tmp_path):
    path = write(tmp_path, [row(1, uscc="123")])
    with pytest.raises(CommandError):
        call("import_roster", str(path), "--building", "TB-A", "--dry-run")


def test_skip_invalid_writes_good_rows_and_saves_the_rejected(building, tmp_path):
    path = write(tmp_path, [row(1), row(2, employee_count=1, party_member_count=2), row(3)])
    out, err = call("import_roster", str(path), "--building", "TB-A", "--skip-invalid")
    assert "2 created" in out and "1 rejected" in out
    assert set(Enterprise.objects.values_list("uscc", flat=True)) == {make_uscc(5001), make_uscc(5003)}
    rejected = tmp_path / "roster-rejected.xlsx"
    assert str(rejected) in err
    rows = list(load_workbook(rejected).active.iter_rows(values_only=True))
    assert len(rows) == 2
    assert rows[1][0] == "导入企业2有限公司"
    assert "党员人数" in rows[1][len(HEADERS)] and "outnumber" in rows[1][len(HEADERS)]


def test_skip_invalid_with_a_rejected_path(building, tmp_path):
    path = write(tmp_path, [row(1, industry="??")])
    target = tmp_path / "out" / "bad.xlsx"
    target.parent.mkdir()
    call("import_roster", str(path), "--building", "TB-A", "--skip-invalid", "--rejected", str(target))
    assert target.exists()


def test_reimport_changes_nothing(building, tmp_path):
    path = write(tmp_path, [row(1), row(2)])
    call("import_roster", str(path), "--building", "TB-A")
    occupancies = list(Occupancy.objects.values_list("pk", "started_on"))
    out, _err = call("import_roster", str(path), "--building", "TB-A")
    assert "0 created, 0 updated, 2 unchanged, 0 rejected" in out
    assert list(Occupancy.objects.values_list("pk", "started_on")) == occupancies


def test_export_then_import_round_trip(building, ent5, ent2, tmp_path):
    target = tmp_path / "export.xlsx"
    out, _err = call("export_roster", "--building", "TB-A", str(target))
    assert str(target) in out
    rows = list(load_workbook(target).active.iter_rows(min_row=2, values_only=True))
    assert {r[1] for r in rows} == {ent5.uscc, ent2.uscc}
    out, _err = call("import_roster", str(target), "--building", "TB-A")
    assert "0 created, 0 updated, 2 unchanged" in out


def test_audit_names_the_user(building, tmp_path, secretary):
    path = write(tmp_path, [row(1)])
    call("import_roster", str(path), "--building", "TB-A", "--user", "secretary")
    event = AuditEvent.objects.get(verb="roster.imported")
    assert event.actor == secretary and event.details["via"] == "command"


def test_without_user_the_server_operator_imports(building, tmp_path):
    path = write(tmp_path, [row(1)])
    call("import_roster", str(path), "--building", "TB-A")
    event = AuditEvent.objects.get(verb="roster.imported")
    assert event.actor is None and event.details["via"] == "command"


@pytest.mark.parametrize("who", ["property_staff", "member", "leader5", "contact5", "employee5", "leader_elsewhere"])
def test_import_user_must_be_allowed(request, building, tmp_path, who):
    user = request.getfixturevalue(who)
    path = write(tmp_path, [row(1)])
    with pytest.raises(CommandError) as info:
        call("import_roster", str(path), "--building", "TB-A", "--user", user.username)
    assert f"{user.username} may not do this in TB-A" in str(info.value)
    assert not Enterprise.objects.filter(uscc=make_uscc(5001)).exists()
    assert not AuditEvent.objects.filter(verb="roster.imported").exists()


def test_an_inactive_user_is_refused(building, tmp_path, secretary):
    secretary.is_active = False
    secretary.save()
    path = write(tmp_path, [row(1)])
    with pytest.raises(CommandError):
        call("import_roster", str(path), "--building", "TB-A", "--user", "secretary")
    assert not Enterprise.objects.exists()


def test_import_with_user_is_limited_to_their_enterprises(building, other_building, tmp_path, secretary):
    from louwei.testing.factories import enterprise_on

    elsewhere = enterprise_on(other_building.floors.get(number=1), name="别处科技有限公司")
    path = write(tmp_path, [row(1, uscc=elsewhere.uscc, name=elsewhere.name, employee_count=99)])
    with pytest.raises(CommandError):
        call("import_roster", str(path), "--building", "TB-A", "--user", "secretary")
    elsewhere.refresh_from_db()
    assert elsewhere.employee_count == 20
    # the server operator, without --user, has no such limit
    call("import_roster", str(path), "--building", "TB-A")
    elsewhere.refresh_from_db()
    assert elsewhere.employee_count == 99


def test_export_is_audited(building, ent5, ent2, tmp_path):
    call("export_roster", "--building", "TB-A", str(tmp_path / "out.xlsx"))
    event = AuditEvent.objects.get(verb="roster.exported")
    assert event.actor is None and event.target_id == str(building.pk)
    assert event.details == {"rows": 2, "via": "command"}


@pytest.mark.parametrize("who", ["secretary", "district", "member", "property_staff"])
def test_export_with_user(request, building, ent5, tmp_path, who):
    user = request.getfixturevalue(who)
    target = tmp_path / "out.xlsx"
    call("export_roster", "--building", "TB-A", "--user", user.username, str(target))
    assert target.exists()
    event = AuditEvent.objects.get(verb="roster.exported")
    assert event.actor == user and event.details == {"rows": 1, "via": "command"}


@pytest.mark.parametrize("who", ["leader5", "contact5", "employee5", "leader_elsewhere"])
def test_export_user_must_be_allowed(request, building, ent5, tmp_path, who):
    user = request.getfixturevalue(who)
    target = tmp_path / "out.xlsx"
    with pytest.raises(CommandError) as info:
        call("export_roster", "--building", "TB-A", "--user", user.username, str(target))
    assert "may not do this" in str(info.value)
    assert not target.exists()
    assert not AuditEvent.objects.filter(verb="roster.exported").exists()


@pytest.mark.parametrize(
    "args,message",
    [
        (["import_roster", "missing.xlsx", "--building", "TB-A"], "No such file"),
        (["import_roster", "{file}", "--building", "NOPE"], "No building"),
        (["import_roster", "{file}", "--building", "TB-A", "--user", "nobody"], "No user"),
        (["export_roster", "--building", "NOPE", "x.xlsx"], "No building"),
        (["export_roster", "--building", "TB-A", "x.csv"], ".xlsx"),
        (["export_roster", "--building", "TB-A", "--user", "nobody", "x.xlsx"], "No user"),
    ],
)
def test_command_errors(building, tmp_path, args, message):
    path = write(tmp_path, [row(1)])
    args = [a.replace("{file}", str(path)) for a in args]
    with pytest.raises(CommandError) as info:
        call(*args)
    assert message in str(info.value)


def test_a_file_that_is_not_xlsx(building, tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_text("企业名称,统一社会信用代码\n")
    with pytest.raises(CommandError) as info:
        call("import_roster", str(path), "--building", "TB-A")
    assert "not an Excel workbook" in str(info.value)
