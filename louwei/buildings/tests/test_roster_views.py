"""The roster pages: template and export downloads, upload → preview → confirm, upload limits."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from louwei.buildings import roster
from louwei.buildings.models import Enterprise
from louwei.core.models import AuditEvent
from louwei.testing.factories import make_uscc

from .conftest import make_workbook, row

pytestmark = pytest.mark.django_db
XLSX = roster.XLSX_CONTENT_TYPE


def url(name, code="TB-A"):
    return reverse(f"buildings:{name}", args=[code])


def upload(client, data, name="名册.xlsx"):
    return client.post(url("roster_import"), {"step": "preview", "file": SimpleUploadedFile(name, data, XLSX)})


def confirm(client, response, skip_invalid=False):
    token = response.context["confirm"].initial["token"]
    data = {"step": "confirm", "token": token}
    if skip_invalid:
        data["skip_invalid"] = "on"
    return client.post(url("roster_import"), data)


def test_template_download(client, secretary, building):
    client.force_login(secretary)
    response = client.get(url("roster_template"))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames[0] == roster.SHEET_DATA


def test_export_download_by_property_staff(client, property_staff, ent5):
    client.force_login(property_staff)
    response = client.get(url("roster_export"))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)))[roster.SHEET_DATA]
    assert [r[1] for r in sheet.iter_rows(min_row=2, values_only=True)] == [ent5.uscc]
    # the file holds contacts' personal data: the export is audited, with its row count
    event = AuditEvent.objects.get(verb="roster.exported")
    assert event.actor == property_staff and event.target_id == str(ent5.occupancies.get().unit.floor.building_id)
    assert event.details == {"rows": 1, "via": "web"}


@pytest.mark.parametrize("who", ["leader5", "contact5", "employee5", "leader_elsewhere"])
def test_export_denied(client, request, building, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url("roster_export")).status_code == 403
    assert not AuditEvent.objects.filter(verb="roster.exported").exists()


@pytest.mark.parametrize("who", ["property_staff", "member", "leader5", "contact5", "employee5", "leader_elsewhere"])
def test_import_denied(client, request, building, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url("roster_template")).status_code == 403
    assert client.get(url("roster_import")).status_code == 403
    assert upload(client, make_workbook([row(1)])).status_code == 403
    assert client.get(url("roster_rejected")).status_code == 403
    assert not Enterprise.objects.filter(uscc=make_uscc(5001)).exists()


def test_preview_then_confirm(client, secretary, building):
    client.force_login(secretary)
    assert client.get(url("roster_import")).status_code == 200
    response = upload(client, make_workbook([row(1), row(2)]))
    assert response.status_code == 200
    report = response.context["report"]
    assert report.ok and not report.written and report.created == 2
    assert "3F 0301" in response.content.decode()
    assert not Enterprise.objects.exists()  # the preview writes nothing

    token = response.context["confirm"].initial["token"]
    response = confirm(client, response)
    assert response.status_code == 200
    assert response.context["report"].written
    assert Enterprise.objects.count() == 2
    event = AuditEvent.objects.get(verb="roster.imported")
    assert event.actor == secretary and event.details["via"] == "web"
    # the kept file is gone: confirming again is refused and imports nothing more
    again = client.post(url("roster_import"), {"step": "confirm", "token": token})
    assert again.status_code == 302 and again["Location"] == url("roster_import")
    assert AuditEvent.objects.filter(verb="roster.imported").count() == 1


def test_preview_shows_errors_and_confirm_without_skipping_writes_nothing(client, secretary, building):
    client.force_login(secretary)
    response = upload(client, make_workbook([row(1), row(2, contact_phone="12345")]))
    html = response.content.decode()
    assert response.context["report"].rejected == 1
    assert "联系电话 Contact phone" in html and "not a valid phone number" in html
    assert url("roster_rejected") in html
    # the page offers to import the correct rows only
    assert 'name="skip_invalid" value="on"' in html and "Import only the 1 correct row" in html

    response = confirm(client, response)
    assert response.status_code == 200
    assert not response.context["report"].written
    assert not Enterprise.objects.exists()


def test_confirm_with_skip_invalid_and_download_the_rejected(client, secretary, building):
    client.force_login(secretary)
    preview = upload(client, make_workbook([row(1), row(2, contact_phone="12345")]))
    response = confirm(client, preview, skip_invalid=True)
    assert response.context["report"].written
    assert list(Enterprise.objects.values_list("uscc", flat=True)) == [make_uscc(5001)]
    download = client.get(url("roster_rejected"))
    assert download.status_code == 200
    rows = list(load_workbook(io.BytesIO(b"".join(download.streaming_content))).active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][0] == "导入企业2有限公司"


def test_the_kept_file_belongs_to_its_uploader(client, secretary, district, building):
    client.force_login(secretary)
    preview = upload(client, make_workbook([row(1)]))
    token = preview.context["confirm"].initial["token"]
    client.force_login(district)  # a new session: the token is not theirs
    response = client.post(url("roster_import"), {"step": "confirm", "token": token})
    assert response.status_code == 302
    assert not Enterprise.objects.exists()


def test_no_rejected_file_without_an_import(client, secretary, building):
    client.force_login(secretary)
    assert client.get(url("roster_rejected")).status_code == 404


# ----------------------------------------------------------------------------------------------
# Upload limits


def test_too_large(client, secretary, building, settings):
    settings.LOUWEI_MAX_ROSTER_BYTES = 1000
    client.force_login(secretary)
    response = upload(client, make_workbook([row(n) for n in range(1, 40)]))
    assert response.status_code == 200
    assert "the limit is" in str(response.context["form"].errors["file"])
    assert not Enterprise.objects.exists()


@pytest.mark.parametrize(
    "name,data,message",
    [
        ("roster.csv", "企业名称,统一社会信用代码\n".encode(), ".xlsx"),
        ("roster.xlsx", "企业名称,统一社会信用代码\n".encode(), "not an Excel workbook"),
        ("roster.xlsx", b"PK\x03\x04 but not really a zip", "not an Excel workbook"),
    ],
)
def test_wrong_kind_of_file(client, secretary, building, name, data, message):
    client.force_login(secretary)
    response = upload(client, data, name=name)
    assert response.status_code == 200
    assert message in str(response.context["form"].errors["file"])


def test_too_many_rows(client, secretary, building, settings):
    settings.LOUWEI_MAX_ROSTER_ROWS = 2
    client.force_login(secretary)
    response = upload(client, make_workbook([row(1), row(2), row(3)]))
    assert response.status_code == 200
    assert "more than 2 rows" in str(response.context["form"].errors["file"])


def test_missing_file(client, secretary, building):
    client.force_login(secretary)
    response = client.post(url("roster_import"), {"step": "preview"})
    assert response.status_code == 200 and "file" in response.context["form"].errors
