from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import queries


@require_GET
def index(request):
    """The public landing page for visitors; for a logged-in person, their work by role."""
    page_number = request.GET.get("page")
    if not request.user.is_authenticated:
        page = Paginator(queries.public_buildings(), queries.BUILDINGS_PER_PAGE).get_page(page_number)
        return render(request, "home/landing.html", {"page": page})
    return render(request, "home/home.html", {"landing": queries.landing(request.user, page_number)})
