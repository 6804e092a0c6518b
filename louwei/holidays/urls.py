from django.urls import path

from . import views

app_name = "holidays"

urlpatterns = [
    path("holidays/", views.index, name="index"),
    path("holidays/<int:year>/", views.year, name="year"),
]
