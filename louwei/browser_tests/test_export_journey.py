"""A committee secretary exports the roster on a phone: the button starts a background job, the
job page shows the bar and follows the work without a reload (htmx polling), stops when the file
is ready, and the download is the building's roster.

The worker is played by the test: it claims the job and writes its progress as the worker does
(``louwei.jobs.running``), so the page can be seen half-way, then lets the export finish."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from louwei.accounts.models import RoleKind
from louwei.buildings import roster
from louwei.jobs import kinds, running
from louwei.jobs.models import Job, Status
from louwei.testing.factories import BuildingFactory, FloorFactory, UserFactory, enterprise_on, grant
from louwei.testing.jobs import workbook_rows

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "test-pass-123"
PHONE = {"width": 375, "height": 812}


def test_a_secretary_exports_the_roster_and_watches_it_being_made(live_server, browser, tmp_path):
    building = BuildingFactory(code="XCFZ-B", name="新城发展大厦B座")
    for number in (1, 2, 3):
        enterprise_on(FloorFactory(building=building, number=number))
    secretary = UserFactory(username="secretary")
    grant(secretary, RoleKind.COMMITTEE_SECRETARY, building)

    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                  locale="zh-CN", accept_downloads=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    base = live_server.url
    enterprises = f"/buildings/{building.code}/enterprises/"
    page.goto(f"{base}/login/?next={enterprises}")
    page.locator('input[name="username"]').fill("secretary")
    page.locator('input[name="password"]').fill(PASSWORD)
    page.locator("main").locator('button[type="submit"]').click()
    expect(page).to_have_url(re.compile(re.escape(enterprises) + "$"))

    # The export button starts the job; the page answers at once with the job's page.
    page.locator(".page-actions form.job-start button").click()
    expect(page).to_have_url(re.compile(r"/jobs/[0-9a-f-]{36}/$"))
    job = Job.objects.get(owner=secretary, kind="roster.export")
    progress = page.locator("#job-progress")
    expect(progress).to_have_attribute("data-status", "queued")
    expect(page.locator("progress.job-bar")).to_be_visible()
    page.evaluate("window.__sameDocument = true")
    page.screenshot(path=tmp_path / "export-waiting.png", full_page=True)

    # The worker takes it and is a quarter of the way: the bar follows without a reload.
    Job.objects.filter(pk=job.pk).update(status=Status.RUNNING, started_at=timezone.now())
    job.refresh_from_db()
    worker = running.Progress(job)
    worker.stage("正在生成企业名册", 20)
    worker(5, 20)
    expect(page.locator("progress.job-bar")).to_have_attribute("value", "25")
    expect(progress).to_contain_text("5 / 20")
    page.screenshot(path=tmp_path / "export-running.png", full_page=True)

    # The file is made; the page offers it and stops asking.
    running.finish(job, kinds.lookup(job.kind).run(job, worker), worker)
    download_button = page.locator('[data-testid="job-download"]')
    expect(download_button).to_be_visible()
    expect(progress).to_have_attribute("data-status", "done")
    assert progress.get_attribute("hx-trigger") is None
    assert page.evaluate("window.__sameDocument === true"), "the page was reloaded instead of swapped"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "the page scrolls sideways"
    page.screenshot(path=tmp_path / "export-ready.png", full_page=True)

    with page.expect_download() as caught:
        download_button.click()
    download = caught.value
    assert download.suggested_filename == roster.export_filename(building)
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    rows = workbook_rows(saved.read_bytes(), roster.SHEET_DATA)
    assert rows == workbook_rows(roster.export_workbook(building), roster.SHEET_DATA) and len(rows) == 4
    context.close()
