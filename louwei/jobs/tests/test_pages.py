"""The job pages over HTTP: the progress bar (polled while the job runs, then still), the file for
its owner only, the person's recent files, and a fixed number of queries."""

from __future__ import annotations

import datetime
import json
import re

import pytest
from django.utils import timezone

from louwei.accounts.models import Role
from louwei.jobs.models import Job, Status
from louwei.testing.factories import UserFactory

from .conftest import run, start

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client




def progress_of(html: str) -> str:
    match = re.search(r'<section id="job-progress".*?</section>', html, re.S)
    assert match, html
    return match.group(0)


def test_a_waiting_job_shows_a_bar_that_htmx_follows_and_a_refresh_link(client, echo, building, secretary):
    job = start(secretary, building)
    client.force_login(secretary)
    response = client.get(job.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    section = progress_of(html)
    assert f'hx-get="{job.get_absolute_url()}" hx-trigger="every 2s" hx-swap="outerHTML"' in section
    assert '<progress class="job-bar" max="100" aria-label="Progress">' in section  # no value: not known yet
    assert "Waiting" in section and 'data-testid="job-refresh"' in section  # without JavaScript: the link
    assert "Echo of 任务大厦" in html and 'href="/buildings/"' in html  # the title, and back where it started
    assert "<script>" not in html and 'style="' not in html  # CSP: no inline script or style
    # The fragment htmx fetches is the bar alone.
    fragment = client.get(job.get_absolute_url(), headers={"HX-Request": "true"})
    assert "<html" not in fragment.content.decode() and "hx-trigger" in fragment.content.decode()
    assert "HX-Trigger" not in fragment


def test_the_bar_moves_with_the_work(client, echo, building, secretary):
    job = start(secretary, building)
    Job.objects.filter(pk=job.pk).update(status=Status.RUNNING, progress_done=3, progress_total=4, stage="Counting")
    client.force_login(secretary)
    section = client.get(job.get_absolute_url(), headers={"HX-Request": "true"}).content.decode()
    assert '<progress class="job-bar" max="100" value="75" aria-label="Progress">75%</progress>' in section
    assert "Counting" in section and "3 of 4 · 75%" in section and "hx-trigger" in section


def test_a_finished_job_stops_the_polling_and_offers_its_file(client, echo, building, secretary):
    job = run(start(secretary, building, text="hello"))
    client.force_login(secretary)
    fragment = client.get(job.get_absolute_url(), headers={"HX-Request": "true"})
    section = fragment.content.decode()
    assert "hx-trigger" not in section  # the polling stops
    assert json.loads(fragment["HX-Trigger"]) == {"inbox-changed": {}}  # the shell's inbox badge catches the notification
    assert f'href="{job.download_url}"' in section and "echo.txt · 5\xa0bytes" in section
    assert "Kept until" in section
    download = client.get(job.download_url)
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"hello"
    assert download["Content-Type"] == "text/plain" and download["Content-Disposition"] == (
        'attachment; filename="echo.txt"')
    assert download["Cache-Control"] == "private, no-store"


def test_a_failed_job_shows_why(client, echo, building, secretary):
    job = run(start(secretary, building, fail="validation"))
    client.force_login(secretary)
    section = progress_of(client.get(job.get_absolute_url()).content.decode())
    assert '<div class="callout callout-danger" role="alert"><p>The text may not be empty.</p></div>' in section
    assert "<progress" not in section and "hx-trigger" not in section
    assert client.get(job.download_url).status_code == 404


def test_only_the_owner_sees_a_job(client, echo, building, secretary, colleague):
    job = run(start(secretary, building, text="mine"))
    client.force_login(colleague)  # the same role in the same building
    assert client.get(job.get_absolute_url()).status_code == 404
    assert client.get(job.download_url).status_code == 404
    assert str(job.pk) not in client.get("/jobs/").content.decode()
    client.logout()
    for url in (job.get_absolute_url(), job.download_url, "/jobs/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_an_owner_who_lost_the_permission_may_no_longer_download(client, echo, building, secretary):
    job = run(start(secretary, building, text="mine"))
    Role.objects.filter(user=secretary).update(ended_at=timezone.now())
    client.force_login(secretary)
    assert client.get(job.download_url).status_code == 403
    section = progress_of(client.get(job.get_absolute_url()).content.decode())
    assert job.download_url not in section and "You may no longer open this file." in section


def test_an_expired_job_is_gone(client, echo, building, secretary):
    job = run(start(secretary, building, text="old"))
    Job.objects.filter(pk=job.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    client.force_login(secretary)
    page = client.get(job.get_absolute_url())  # the link of the notification, a day later
    assert page.status_code == 404
    assert "Files are kept for 24 hours" in page.content.decode() and 'href="/jobs/"' in page.content.decode()
    assert client.get(job.download_url).status_code == 404


def test_an_unknown_job_is_not_found(client, secretary):
    client.force_login(secretary)
    assert client.get("/jobs/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert client.get("/jobs/not-a-uuid/").status_code == 404


def test_my_recent_files_are_mine_newest_first(client, echo, building, secretary, colleague):
    first = run(start(secretary, building, text="1"))
    second = start(secretary, building)
    theirs = run(start(colleague, building, text="x"))
    client.force_login(secretary)
    html = client.get("/jobs/").content.decode()
    assert html.index(str(second.pk)) < html.index(str(first.pk)) and str(theirs.pk) not in html
    assert "Each file is kept for 24 hours" in html
    # The job page lists the others.
    page = client.get(first.get_absolute_url()).content.decode()
    assert f'href="{second.get_absolute_url()}"' in page


@pytest.mark.parametrize("url", ["detail", "fragment", "index"])
def test_the_pages_cost_the_same_queries_for_few_and_many_jobs(client, echo, building, secretary, url,
                                                               django_assert_max_num_queries):
    client.force_login(secretary)
    job = run(start(secretary, building, text="x"))
    target = "/jobs/" if url == "index" else job.get_absolute_url()
    headers = {"HX-Request": "true"} if url == "fragment" else {}
    bound = {"detail": 8, "fragment": 5, "index": 6}[url]
    for count in (2, 60):
        Job.objects.bulk_create([
            Job(owner=secretary, kind="test.echo", title=f"Echo {n}", target_type=job.target_type,
                target_id=job.target_id, created_at=timezone.now(), expires_at=job.expires_at)
            for n in range(count)
        ])
        with django_assert_max_num_queries(bound):
            assert client.get(target, headers=headers).status_code == 200


def test_too_many_at_once_is_refused_on_the_page_that_starts_them(client, building, secretary, settings):
    """Through a real page (the roster export), as the person sees it."""
    settings.LOUWEI_JOBS_AT_ONCE = 1
    client.force_login(secretary)
    url = f"/buildings/{building.code}/roster/export.xlsx"
    first = client.post(url)
    assert first.status_code == 302
    refused = client.post(url)
    assert refused.status_code == 429
    assert "You already have 1 of these under way. Wait until it is finished, then start again." in (
        refused.content.decode())
    assert Job.objects.count() == 1


def test_a_person_without_a_role_has_an_empty_list(client):
    client.force_login(UserFactory())
    response = client.get("/jobs/")
    assert response.status_code == 200 and "No files yet" in response.content.decode()
