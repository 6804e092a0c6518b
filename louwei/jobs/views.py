"""The job pages: one job with its progress bar (polled by htmx while it runs), its file, and the
person's recent files. Only the person who asked sees a job; everybody else gets 404.

:func:`start_page` is what a feature's page calls to start a job: GET shows the page with the
button (old links and bookmarks to a file land there), POST starts the job and goes to its page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from louwei.core.files import serve

from . import kinds, permissions, queries, running, services

POLL_SECONDS = 2


def _keep_hours() -> int:
    return int(running.keep_for().total_seconds() // 3600)


def _kind(job):
    try:
        return kinds.lookup(job.kind)
    except LookupError:
        return None


def start_page(request, *, kind: str, target, params=None, title: str, back_url: str, upload=None, upload_from=None):
    """GET: a page that says what will be made, with the button. POST: start the job and go to its
    page; a refusal (too many under way) is shown on the page. The caller has asked access."""
    error = ""
    if request.method == "POST":
        try:
            job = services.start(actor=request.user, kind=kind, target=target, params=params, upload=upload,
                                 upload_from=upload_from)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            return redirect(job)
    return render(request, "jobs/start.html", {
        "title": title, "back_url": back_url, "error": error, "recent": queries.recent_for(request.user),
    }, status=429 if error else 200)


@login_required
@require_GET
def detail(request, pk):
    try:
        job = queries.job_for(request.user, pk)
    except Http404:
        # Alike for a job that expired, never existed or is somebody else's; an old notification
        # still leads somewhere useful.
        return render(request, "jobs/gone.html", {"keep_hours": _keep_hours()}, status=404)
    kind = _kind(job)
    allowed = permissions.may_use(request.user, job)
    if job.is_done and allowed and kind is not None and kind.result_url is not None:
        url = kind.result_url(job)
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    context = {
        "job": job, "kind": kind, "allowed": allowed, "poll": POLL_SECONDS,
        "back_url": kind.back_url(job) if kind is not None and kind.back_url is not None and allowed else "",
    }
    if request.htmx:
        response = render(request, "jobs/_progress.html", context)
        if not job.is_active:
            trigger_client_event(response, "inbox-changed")  # the notification has just arrived
        return response
    context["recent"] = queries.recent_for(request.user, exclude=job.pk)
    context["breadcrumbs"] = [(_("My recent files"), reverse("jobs:index")), (job.title, "")]
    return render(request, "jobs/detail.html", context)


@login_required
@require_GET
def download(request, pk):
    job = queries.job_for(request.user, pk)
    if not job.has_file:
        raise Http404("no file")
    if not permissions.may_use(request.user, job):
        raise PermissionDenied("job")
    inline = job.result_type == "application/pdf"  # posters open in the browser, ready to print
    return serve(job.result, filename=job.result_name, content_type=job.result_type, as_attachment=not inline)


@login_required
@require_GET
def index(request):
    return render(request, "jobs/index.html", {
        "jobs": queries.recent_for(request.user, limit=queries.LIST),
        "keep_hours": _keep_hours(),
    })
