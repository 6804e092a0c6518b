from django.contrib import admin
from django.urls import include, path

handler400 = "louwei.core.views.bad_request"
handler403 = "louwei.core.views.permission_denied"
handler404 = "louwei.core.views.page_not_found"
handler500 = "louwei.core.views.server_error"

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
    path("", include("louwei.holidays.urls")),
    path("open311/", include("louwei.open311.urls")),
    path("api/v1/", include("louwei.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

