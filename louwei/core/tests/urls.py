"""URLconf for the shell's tests: the project's URLs plus views that raise, to exercise the error pages."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import path

from louwei.urls import handler400, handler403, handler404, handler500  # noqa: F401 - the project's error pages
from louwei.urls import urlpatterns as project_urlpatterns


def raise_permission_denied(request):
    raise PermissionDenied


def raise_suspicious(request):
    raise SuspiciousOperation("test")


def raise_error(request):
    raise RuntimeError("test: a bug in a view")


urlpatterns = [
    *project_urlpatterns,
    path("__test__/403/", raise_permission_denied),
    path("__test__/400/", raise_suspicious),
    path("__test__/500/", raise_error),
]
