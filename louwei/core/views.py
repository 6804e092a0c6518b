from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


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


# The error pages (``handler400`` … ``handler500`` in ``louwei.urls``): the site's templates, except under
# a face that registered its own error format (the REST API's and Open311's JSON), so a client of
# those never gets an HTML page, whatever fails and wherever.
def _in_face_format(request, status: int, message: str):
    from .middleware import error_format

    render = error_format(request)
    return render(request, status, str(message)) if render is not None else None


def bad_request(request, exception):
    return _in_face_format(request, 400, _("Bad request.")) or defaults.bad_request(request, exception)


def permission_denied(request, exception):
    return _in_face_format(request, 403, _("You may not do this.")) or defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    return _in_face_format(request, 404, _("Not found.")) or defaults.page_not_found(request, exception)


def server_error(request):
    return _in_face_format(request, 500, _("Server error: it has been logged.")) or defaults.server_error(request)
