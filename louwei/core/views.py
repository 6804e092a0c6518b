from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import queries


@require_GET
def home(request):
    """The public landing page for visitors; for a logged-in person, their work by role."""
    page_number = request.GET.get("page")
    if not request.user.is_authenticated:
        page = Paginator(queries.public_buildings(), queries.BUILDINGS_PER_PAGE).get_page(page_number)
        return render(request, "core/landing.html", {"page": page})
    return render(request, "core/home.html", {"landing": queries.landing(request.user, page_number)})


@never_cache
@require_GET
def healthz(request):
    """200 when the database answers, 503 when it does not. For load balancers and monitors."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return JsonResponse({"status": "error", "database": type(exc).__name__}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
