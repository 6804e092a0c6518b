"""The roster pages: the template download, the export and the import (upload → check → preview →
confirm → import → result), the checks and the import running as background jobs, and the limits."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from louwei.accounts.models import Role, RoleKind
from louwei.buildings import roster
from louwei.buildings.models import Enterprise
from louwei.core.models import AuditEvent
from louwei.jobs.models import Job, Status
from louwei.notifications.models import Message
from louwei.testing import jobs
from louwei.testing.factories import make_uscc

from .conftest import make_workbook, row

pytestmark = pytest.mark.django_db
XLSX = roster.XLSX_CONTENT_TYPE


def url(name, code="TB-A"):
    return reverse(f"buildings:{name}", args=[code])


def upload(client, data, name="名册.xlsx"):
    return client.post(url("roster_import"), {"step": "preview", "file": SimpleUploadedFile(name, data, XLSX)})


def check(client, data, name="名册.xlsx") -> Job:
    """Upload a file: the check starts as a job (the page answers at once), and the worker runs it."""
    job = jobs.start(client, url("roster_import"), {"step": "preview", "file": SimpleUploadedFile(name, data, XLSX)})
    assert job.kind == "roster.check" and job.status == Status.QUEUED
    return jobs.run(job)


def report_page(client, job):
    """The finished job's page sends the person on to the preview or the result."""
    response = client.get(job.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"] == reverse("buildings:roster_report", args=["TB-A", job.pk])
    page = client.get(response["Location"])
    assert page.status_code == 200
    return page


def confirm(client, preview, skip_invalid=False):
    data = {"step": "confirm", "job": preview.context["confirm"].initial["job"]}
    if skip_invalid:
        data["skip_invalid"] = "on"
    job = jobs.start(client, url("roster_import"), data)
    assert job.kind == "roster.import"
    return report_page(client, jobs.run(job))


def test_template_download(client, secretary, building):
    client.force_login(secretary)
    response = client.get(url("roster_template"))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames[0] == roster.SHEET_DATA


# ----------------------------------------------------------------------------------------------
# Export


def test_export_runs_in_the_background_and_gives_the_same_file(client, property_staff, ent5, building):
    client.force_login(property_staff)
    # The old address (a bookmark, a link) shows the page with the button; it makes no file.
    page = client.get(url("roster_export"))
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    assert 'data-testid="job-start"' in page.content.decode()
    assert not AuditEvent.objects.filter(verb="roster.exported").exists()

    job = jobs.start(client, url("roster_export"))
    assert job.status == Status.QUEUED and job.owner == property_staff and job.target == building
    assert AuditEvent.objects.filter(verb="job.started", actor=property_staff, details__kind="roster.export").exists()
    waiting = client.get(job.get_absolute_url())
    assert waiting.status_code == 200 and "<progress" in waiting.content.decode()

    jobs.run(job)
    assert job.status == Status.DONE and job.percent == 100
    assert job.result_name == roster.export_filename(building) and job.result_type == XLSX
    data = jobs.download(client, job)
    assert jobs.workbook_rows(data, roster.SHEET_DATA) == jobs.workbook_rows(roster.export_workbook(building),
                                                                             roster.SHEET_DATA)
    assert [r[1] for r in jobs.workbook_rows(data, roster.SHEET_DATA)[1:]] == [ent5.uscc]
    # the file holds contacts' personal data: the export is audited, with its row count
    event = AuditEvent.objects.get(verb="roster.exported")
    assert event.actor == property_staff and event.target_id == str(building.pk)
    assert event.details == {"rows": 1, "via": "web"}
    message = Message.objects.get(user=property_staff, event="job.ready")
    assert message.url == job.get_absolute_url() and "测试大厦A座" in message.title


def test_the_export_is_its_owners_alone(client, property_staff, member, ent5, building, person):
    client.force_login(property_staff)
    job = jobs.run(jobs.start(client, url("roster_export")))
    # Another person, even with the same role in the same building, is told it does not exist.
    colleague = person(RoleKind.PROPERTY_STAFF, building)
    for other in (colleague, member):
        client.force_login(other)
        assert client.get(job.get_absolute_url()).status_code == 404
        assert client.get(job.download_url).status_code == 404
    # The owner who has lost the permission may no longer download it.
    Role.objects.filter(user=property_staff).delete()
    client.force_login(property_staff)
    assert client.get(job.download_url).status_code == 403
    page = client.get(job.get_absolute_url())
    assert page.status_code == 200 and job.download_url not in page.content.decode()


@pytest.mark.parametrize("who", ["leader5", "contact5", "employee5", "leader_elsewhere"])
def test_export_denied(client, request, building, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url("roster_export")).status_code == 403
    assert client.post(url("roster_export")).status_code == 403
    assert not Job.objects.exists()
    assert not AuditEvent.objects.filter(verb__in=["roster.exported", "job.started"]).exists()


def test_the_buttons_start_the_export(client, secretary, building):
    client.force_login(secretary)
    for page in (url("building_detail"), url("enterprise_list")):
        html = client.get(page).content.decode()
        assert f'<form class="job-start" method="post" action="{url("roster_export")}">' in html


# ----------------------------------------------------------------------------------------------
# Import


@pytest.mark.parametrize("who", ["property_staff", "member", "leader5", "contact5", "employee5", "leader_elsewhere"])
def test_import_denied(client, request, building, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url("roster_template")).status_code == 403
    assert client.get(url("roster_import")).status_code == 403
    assert upload(client, make_workbook([row(1)])).status_code == 403
    assert client.get(url("roster_rejected")).status_code == 403
    assert not Job.objects.exists()
    assert not Enterprise.objects.filter(uscc=make_uscc(5001)).exists()


def test_preview_then_confirm(client, secretary, building, settings):
    client.force_login(secretary)
    assert client.get(url("roster_import")).status_code == 200
    job = check(client, make_workbook([row(1), row(2)]))
    # The upload waits privately, under a random name, as the check's input.
    assert job.input.name.startswith("jobs/input/") and "名册" not in job.input.name and job.input_name == "名册.xlsx"
    preview = report_page(client, job)
    report = preview.context["report"]
    assert report.ok and not report.written and report.created == 2
    assert "3F 0301" in preview.content.decode()
    assert not Enterprise.objects.exists()  # the check writes nothing
    # Two rows: the bar counts each row checked, then each written.
    assert job.progress_total == 4 and Message.objects.filter(user=secretary, event="job.ready").count() == 1

    result = confirm(client, preview)
    assert result.context["report"].written
    assert "2 rows: 2 created" in result.content.decode()
    assert Enterprise.objects.count() == 2
    event = AuditEvent.objects.get(verb="roster.imported")
    assert event.actor == secretary and event.details["via"] == "web"
    # The file was imported and deleted: confirming again is refused and imports nothing more.
    stored = settings.MEDIA_ROOT / job.input.name
    assert not stored.exists()
    again = client.post(url("roster_import"), {"step": "confirm", "job": str(job.pk)})
    assert again.status_code == 302 and again["Location"] == url("roster_import")
    assert "expired or was already used" in client.get(again["Location"]).content.decode()
    assert AuditEvent.objects.filter(verb="roster.imported").count() == 1


def test_preview_shows_errors_and_confirm_without_skipping_writes_nothing(client, secretary, building):
    client.force_login(secretary)
    job = check(client, make_workbook([row(1), row(2, contact_phone="12345")]))
    preview = report_page(client, job)
    html = preview.content.decode()
    assert preview.context["report"].rejected == 1
    assert "联系电话 Contact phone" in html and "not a valid phone number" in html
    assert job.download_url in html  # the rejected rows, as the check's file
    # the page offers to import the correct rows only
    assert 'name="skip_invalid" value="on"' in html and "Import only the 1 correct row" in html

    page = client.post(url("roster_import"), {"step": "confirm", "job": str(job.pk)})  # without skip_invalid
    imported = Job.objects.get(kind="roster.import")
    assert page["Location"] == imported.get_absolute_url()
    result = report_page(client, jobs.run(imported))
    assert not result.context["report"].written
    assert not Enterprise.objects.exists()
    # The preview comes again, and the file waits for another confirmation.
    assert result.context["confirm"].initial["job"] == imported.pk


def test_confirm_with_skip_invalid_and_download_the_rejected(client, secretary, building):
    client.force_login(secretary)
    preview = report_page(client, check(client, make_workbook([row(1), row(2, contact_phone="12345")])))
    result = confirm(client, preview, skip_invalid=True)
    assert result.context["report"].written
    assert list(Enterprise.objects.values_list("uscc", flat=True)) == [make_uscc(5001)]
    imported = Job.objects.get(kind="roster.import")
    assert imported.download_url in result.content.decode()
    # The old address of the rejected rows leads to the latest file of them.
    old = client.get(url("roster_rejected"))
    assert old.status_code == 302 and old["Location"] == imported.download_url
    rows = jobs.workbook_rows(jobs.download(client, imported))
    assert len(rows) == 2 and rows[1][0] == "导入企业2有限公司"


def test_the_uploaded_file_belongs_to_its_uploader(client, secretary, district, building):
    client.force_login(secretary)
    job = check(client, make_workbook([row(1)]))
    client.force_login(district)  # may import into this building, but the file is not theirs
    assert client.get(job.get_absolute_url()).status_code == 404
    assert client.get(reverse("buildings:roster_report", args=["TB-A", job.pk])).status_code == 404
    response = client.post(url("roster_import"), {"step": "confirm", "job": str(job.pk)})
    assert response.status_code == 302 and response["Location"] == url("roster_import")
    assert not Job.objects.filter(kind="roster.import").exists()
    assert not Enterprise.objects.exists()


def test_a_check_of_another_building_is_not_shown_here(client, district, building):
    from louwei.testing.factories import BuildingFactory

    BuildingFactory(code="TB-Z", party_committee=building.party_committee)  # the same district's
    client.force_login(district)
    job = check(client, make_workbook([row(1)]))
    assert client.get(reverse("buildings:roster_report", args=["TB-Z", job.pk])).status_code == 404


def test_no_rejected_file_without_an_import(client, secretary, building):
    client.force_login(secretary)
    assert client.get(url("roster_rejected")).status_code == 404


# ----------------------------------------------------------------------------------------------
# Upload limits: what the form can tell at once stays on the form; what needs the file read is
# the check's error, in the person's language.


def test_too_large(client, secretary, building, settings):
    settings.LOUWEI_MAX_ROSTER_BYTES = 1000
    client.force_login(secretary)
    response = upload(client, make_workbook([row(n) for n in range(1, 40)]))
    assert response.status_code == 200
    assert "the limit is" in str(response.context["form"].errors["file"])
    assert not Job.objects.exists() and not Enterprise.objects.exists()


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
    assert not Job.objects.exists()


def test_too_many_rows_fails_the_check_with_the_reason(client, secretary, building, settings):
    settings.LOUWEI_MAX_ROSTER_ROWS = 2
    client.force_login(secretary)
    job = check(client, make_workbook([row(1), row(2), row(3)]))
    assert job.status == Status.FAILED and "more than 2 rows" in job.error
    page = client.get(job.get_absolute_url())
    assert page.status_code == 200 and "more than 2 rows" in page.content.decode()
    assert url("roster_import") in page.content.decode()  # back to the upload
    assert not job.input  # nothing is kept of a file that cannot be imported
    assert Message.objects.get(user=secretary, event="job.failed").body == job.error


def test_the_checks_error_follows_the_persons_language(client, secretary, building, settings):
    settings.LOUWEI_MAX_ROSTER_ROWS = 2
    client.force_login(secretary)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    job = check(client, make_workbook([row(1), row(2), row(3)]))
    assert job.language == "zh-hans" and job.status == Status.FAILED
    assert "more than" not in job.error and "2" in job.error


def test_missing_file(client, secretary, building):
    client.force_login(secretary)
    response = client.post(url("roster_import"), {"step": "preview"})
    assert response.status_code == 200 and "file" in response.context["form"].errors


def test_too_many_checks_at_once_are_refused_clearly(client, secretary, building, settings):
    settings.LOUWEI_JOBS_AT_ONCE = 1
    client.force_login(secretary)
    jobs.start(client, url("roster_import"), {"step": "preview",
                                              "file": SimpleUploadedFile("a.xlsx", make_workbook([row(1)]), XLSX)})
    response = upload(client, make_workbook([row(1)]))
    assert response.status_code == 200
    assert "already have 1 of these under way" in str(response.context["form"].errors)
    assert Job.objects.count() == 1
