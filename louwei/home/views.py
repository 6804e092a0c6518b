from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from louwei import access
from louwei.access import Action
from louwei.core import health as health_checks

from . import queries
from .person import Home, Person, home_panels


@require_GET
def index(request):
    """The public landing page for visitors; for a logged-in person, their work by role."""
    page_number = request.GET.get("page")
    if not request.user.is_authenticated:
        page = Paginator(queries.public_buildings(), queries.BUILDINGS_PER_PAGE).get_page(page_number)
        return render(request, "home/landing.html", {"page": page})
    home = Home(home_panels(Person.of(request)))
    for shown in home.panels:
        shown.html = render_to_string(shown.panel.template, shown.shown.context, request=request)
    return render(request, "home/home.html", {"home": home})


@never_cache
@login_required
@require_GET
def health(request):
    """The staff health page: the installation's database, cache, tasks and periodic jobs, and what
    the features count (notifications settled as unknown or failed) in the reader's buildings."""
    reach = access.scope(request.user, Action.SYSTEM_HEALTH)
    if reach.is_empty():
        raise PermissionDenied
    buildings = None if reach.everything else access.buildings(request.user, Action.SYSTEM_HEALTH)
    return render(request, "home/health.html", {
        "sections": health_checks.sections(buildings), "whole_installation": buildings is None,
    })
