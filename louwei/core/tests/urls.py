"""URLconf for the shell's tests: the project's URLs, plus stand-ins for agreed URL names that their
owning app has not written yet (the navigation and the home page link to them), plus views that
raise, to exercise the error pages.

Where the owning app defines a name, its real view is used and the stand-in is not added.
"""

from importlib import import_module

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import HttpResponse
from django.urls import include, path

from louwei.urls import urlpatterns as project_urlpatterns

AGREED = {
    "buildings": {
        "building_list": "buildings/",
        "building_detail": "buildings/<str:code>/",
        "enterprise_list": "buildings/<str:code>/enterprises/",
        "enterprise_create": "buildings/<str:code>/enterprises/new/",
        "enterprise_detail": "enterprises/<int:pk>/",
        "enterprise_edit": "enterprises/<int:pk>/edit/",
    },
    "committee": {
        "manage": "buildings/<str:code>/committee/",
        "public_building": "b/<str:code>/",
        "floor_page": "f/<str:floor_code>/",
    },
}


def stand_in(request, **kwargs):
    return HttpResponse("stand-in")


def _with_stand_ins(app_name: str):
    patterns = list(import_module(f"louwei.{app_name}.urls").urlpatterns)
    defined = {getattr(p, "name", None) for p in patterns}
    patterns += [path(route, stand_in, name=name) for name, route in AGREED[app_name].items() if name not in defined]
    return patterns, app_name


def raise_permission_denied(request):
    raise PermissionDenied


def raise_suspicious(request):
    raise SuspiciousOperation("test")


def raise_error(request):
    raise RuntimeError("test: a bug in a view")


urlpatterns = [
    *[p for p in project_urlpatterns if getattr(p, "namespace", None) not in AGREED],
    *[path("", include(_with_stand_ins(app_name))) for app_name in AGREED],
    path("__test__/403/", raise_permission_denied),
    path("__test__/400/", raise_suspicious),
    path("__test__/500/", raise_error),
]
