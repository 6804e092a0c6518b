from django.urls import path

from . import views

app_name = "jobs"

urlpatterns = [
    path("jobs/", views.index, name="index"),
    path("jobs/<uuid:pk>/", views.detail, name="detail"),
    path("jobs/<uuid:pk>/download/", views.download, name="download"),
]
