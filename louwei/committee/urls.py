from django.urls import path

from . import views

app_name = "committee"

urlpatterns = [
    # Staff
    path("buildings/<str:code>/committee/", views.manage, name="manage"),
    path("buildings/<str:code>/committee/edit/", views.committee_edit, name="committee_edit"),
    path("buildings/<str:code>/committee/terms/new/", views.term_create, name="term_create"),
    path("floors/<str:floor_code>/leader/appoint/", views.appoint, name="appoint"),
    path("floor-leaders/<id:pk>/replace/", views.replace, name="replace"),
    path("floor-leaders/<id:pk>/end/", views.end, name="end"),
    path("floor-leaders/<id:pk>/edit/", views.edit_leader, name="edit_leader"),
    # Posters
    path("buildings/<str:code>/posters.pdf", views.building_posters, name="building_posters"),
    path("floors/<str:floor_code>/poster.pdf", views.floor_poster, name="floor_poster"),
    # Public, no login
    path("b/<str:code>/", views.public_building, name="public_building"),
    path("f/<str:floor_code>/", views.floor_page, name="floor_page"),
    path("floor-leaders/<id:pk>/photo/<str:version>/", views.leader_photo, name="leader_photo"),
]
