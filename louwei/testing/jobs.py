"""Helpers for the tests of pages that start background jobs (``louwei.jobs``).

A page's button posts, the job waits in the queue (nothing runs until the worker takes it), the
test runs the task as the worker would, then downloads the file as the person would::

    job = start(client, url)            # POST; asserts the redirect to the job page, no file
    run(job)                            # the task, as the worker runs it
    data = download(client, job)        # the file, as its owner gets it
"""

from __future__ import annotations

import io
import re

from louwei.jobs.models import Job
from louwei.jobs.tasks import run_job

_JOB_URL = re.compile(r"^/jobs/([0-9a-f-]{36})/$")


def start(client, url: str, data=None, **extra) -> Job:
    """POST to a page that starts a job; the answer is the redirect to the job's page, no file."""
    response = client.post(url, data or {}, **extra)
    assert response.status_code == 302, (response.status_code, response.content[:500])
    match = _JOB_URL.match(response["Location"])
    assert match, response["Location"]
    assert not response.get("Content-Disposition")
    return Job.objects.get(pk=match.group(1))


def run(job: Job) -> Job:
    """Run the job's task as the worker does, and read the job again. The worker runs outside any
    transaction, so what waits for a commit (deleting a used file, sending e-mail) happens at once."""
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        run_job.call(str(job.pk))
    job.refresh_from_db()
    return job


def download(client, job: Job) -> bytes:
    response = client.get(job.download_url)
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)


def workbook_rows(data: bytes, sheet: str | None = None) -> list[tuple]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    return list((book[sheet] if sheet else book.active).iter_rows(values_only=True))


def pdf_pages(data: bytes) -> list[str]:
    """The text of each page of a PDF."""
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]
