from django.urls import path

from . import views

app_name = "notices"

urlpatterns = [
    path("notices/", views.index, name="index"),
    path("notices/manage/", views.manage, name="manage"),
    path("notices/new/", views.create, name="create"),
    path("notices/preview/", views.preview, name="preview"),
    path("notices/my-floors/", views.my_floors, name="my_floors"),
    path("notices/<int:pk>/", views.detail, name="detail"),
    path("notices/<int:pk>/edit/", views.edit, name="edit"),
    path("notices/<int:pk>/publish/", views.publish, name="publish"),
    path("notices/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("notices/<int:pk>/attachments/", views.attachments, name="attachments"),
    path("notices/<int:pk>/remind/", views.remind, name="remind"),
    path("notices/attachments/<int:pk>/", views.attachment, name="attachment"),
    path("notices/deliveries/<int:pk>/relay/", views.relay, name="relay"),
]
