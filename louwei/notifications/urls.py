from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/unread/", views.unread_badge, name="unread_badge"),
    path("inbox/read-all/", views.mark_all_read, name="mark_all_read"),
    path("inbox/<id:pk>/read/", views.mark_read, name="mark_read"),
    path("inbox/<id:pk>/open/", views.open_message, name="open"),
    path("settings/notifications/", views.preferences, name="settings"),
    path("buildings/<str:code>/notifications/", views.building, name="building"),
    path("buildings/<str:code>/notifications/robots/new/", views.endpoint_create, name="endpoint_create"),
    path("notifications/robots/<id:pk>/edit/", views.endpoint_edit, name="endpoint_edit"),
    path("notifications/robots/<id:pk>/test/", views.endpoint_test, name="endpoint_test"),
]
