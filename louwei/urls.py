from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve

urlpatterns = [
    path("", include("louwei.home.urls")),
    path("", include("louwei.core.urls")),
    path("", include("louwei.accounts.urls")),
    path("", include("louwei.buildings.urls")),
    path("", include("louwei.committee.urls")),
    path("", include("louwei.notifications.urls")),
    path("", include("louwei.jobs.urls")),
    path("", include("louwei.notices.urls")),
    path("", include("louwei.library.urls")),
    path("", include("louwei.cases.urls")),
    path("open311/", include("louwei.open311.urls")),
    path("api/v1/", include("louwei.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]


def media(request, path):
    """Uploaded photos, for the laptop demo; MEDIA_ROOT is read per request, not at import."""
    return serve(request, path, document_root=settings.MEDIA_ROOT)


if settings.LOUWEI_SERVE_MEDIA:
    # In production nginx serves /media/ directly (README).
    urlpatterns.append(path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", media))
