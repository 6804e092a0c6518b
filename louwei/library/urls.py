from django.urls import path

from . import views

app_name = "library"

urlpatterns = [
    path("policies/", views.index, name="index"),
]
