"""The policy library page: search as you type (htmx), filters, results that link to each policy."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from . import queries
from .forms import LibraryForm


@login_required
@require_GET
def index(request):
    facets = queries.facets(request.user)
    form = LibraryForm(request.GET or None, topics=facets["topics"], issuers=facets["issuers"])
    filters = form.filters()
    result = queries.search(request.user, form.query(), filters, page=request.GET.get("page"))
    context = {"form": form, "filters": filters, "result": result, "page": result.page,
               "today": timezone.localdate()}
    if request.htmx and request.htmx.target == "policy-results":
        response = render(request, "library/_results.html", context)
    else:
        response = render(request, "library/index.html", context)
    patch_vary_headers(response, ["HX-Request"])  # the same address answers with a page or a fragment
    return response
