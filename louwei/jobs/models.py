"""A job: long work (an import, an export, a PDF) that a person asked for, done by the worker.

One row per request. It says who asked, what (a registered kind and its parameters), on what (the
target that access is asked about again before the result is kept and on every download), how far
the work has come, and what it left: a private file (a random name, served only through the job's
download view) and/or data for a result page. The row and its files go when ``expires_at`` passes
(``jobs.prune``)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from louwei.core.files import PrivateUploadTo


class Status(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("job", "Waiting")
    RUNNING = "running", pgettext_lazy("job", "Under way")
    DONE = "done", pgettext_lazy("job", "Ready")
    FAILED = "failed", pgettext_lazy("job", "Failed")


ACTIVE = (Status.QUEUED, Status.RUNNING)


class Job(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs",
                              verbose_name=_("asked by"))
    kind = models.CharField(_("kind"), max_length=64)
    params = models.JSONField(default=dict, blank=True)
    title = models.CharField(_("title"), max_length=200)
    language = models.CharField(max_length=16, blank=True)  # the asker's; the work and its texts use it
    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    target_id = models.CharField(max_length=64)
    target = GenericForeignKey("target_type", "target_id")

    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(null=True, blank=True)  # None: not known (yet)
    stage = models.CharField(max_length=200, blank=True)  # in the asker's language
    error = models.TextField(blank=True)  # for the person, in their language; never a traceback

    input = models.FileField(upload_to=PrivateUploadTo("jobs/input"), max_length=200, blank=True)
    input_name = models.CharField(max_length=200, blank=True)  # the name the file was uploaded under
    result = models.FileField(upload_to=PrivateUploadTo("jobs"), max_length=200, blank=True)
    result_name = models.CharField(max_length=200, blank=True)
    result_type = models.CharField(max_length=100, blank=True)
    result_size = models.PositiveBigIntegerField(default=0)
    data = models.JSONField(null=True, blank=True)  # what a kind's result page shows

    task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("asked at"))
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(_("kept until"), db_index=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="job_owner_recent"),
            models.Index(fields=["owner", "kind", "status"], name="job_owner_kind_status"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=Status.values), name="job_status_known"),
            models.CheckConstraint(
                condition=Q(progress_total__isnull=True) | Q(progress_done__lte=models.F("progress_total")),
                name="job_progress_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("jobs:detail", args=[self.pk])

    @property
    def download_url(self) -> str:
        return reverse("jobs:download", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    @property
    def is_done(self) -> bool:
        return self.status == Status.DONE

    @property
    def is_failed(self) -> bool:
        return self.status == Status.FAILED

    @property
    def has_file(self) -> bool:
        return self.is_done and bool(self.result)

    @property
    def percent(self) -> int | None:
        """How far the work has come, 0 to 100; None while that is not known."""
        if self.is_done:
            return 100
        if not self.progress_total:
            return None
        return min(100, self.progress_done * 100 // self.progress_total)

    @property
    def badge(self) -> str:
        """The design system's badge class for the status."""
        return {Status.DONE: "badge-ok", Status.FAILED: "badge-danger", Status.RUNNING: "badge-info"}.get(
            self.status, "badge-muted"
        )
