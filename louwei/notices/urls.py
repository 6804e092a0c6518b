from django.urls import path

from . import views

app_name = "notices"

urlpatterns = [
    path("notices/", views.index, name="index"),
    path("notices/manage/", views.manage, name="manage"),
    path("notices/new/", views.create, name="create"),
    path("notices/preview/", views.preview, name="preview"),
    path("notices/my-floors/", views.my_floors, name="my_floors"),
    path("notices/<id:pk>/", views.detail, name="detail"),
    path("notices/<id:pk>/edit/", views.edit, name="edit"),
    path("notices/<id:pk>/publish/", views.publish, name="publish"),
    path("notices/<id:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("notices/<id:pk>/attachments/", views.attachments, name="attachments"),
    path("notices/<id:pk>/remind/", views.remind, name="remind"),
    path("notices/attachments/<id:pk>/", views.attachment, name="attachment"),
    path("notices/deliveries/<id:pk>/relay/", views.relay, name="relay"),
]
