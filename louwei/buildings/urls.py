from django.urls import path

from . import views

app_name = "buildings"

urlpatterns: list = []
