from django.urls import path

from . import views

app_name = "buildings"

urlpatterns = [
    path("buildings/", views.building_list, name="building_list"),
    path("buildings/<str:code>/", views.building_detail, name="building_detail"),
    path("buildings/<str:code>/edit/", views.building_edit, name="building_edit"),
    path("buildings/<str:code>/enterprises/", views.enterprise_list, name="enterprise_list"),
    path("buildings/<str:code>/enterprises/new/", views.enterprise_create, name="enterprise_create"),
    path("buildings/<str:code>/roster/template.xlsx", views.roster_template, name="roster_template"),
    path("buildings/<str:code>/roster/import/", views.roster_import, name="roster_import"),
    path("buildings/<str:code>/roster/import/<uuid:job>/", views.roster_report, name="roster_report"),
    path("buildings/<str:code>/roster/rejected.xlsx", views.roster_rejected, name="roster_rejected"),
    path("buildings/<str:code>/roster/export.xlsx", views.roster_export, name="roster_export"),
    path("enterprises/<id:pk>/", views.enterprise_detail, name="enterprise_detail"),
    path("enterprises/<id:pk>/edit/", views.enterprise_edit, name="enterprise_edit"),
    path("enterprises/<id:pk>/move-in/", views.move_in, name="move_in"),
    path("enterprises/<id:pk>/contacts/new/", views.contact_add, name="contact_add"),
    path("contacts/<id:pk>/edit/", views.contact_edit, name="contact_edit"),
    path("contacts/<id:pk>/remove/", views.contact_remove, name="contact_remove"),
    path("occupancies/<id:pk>/move-out/", views.move_out, name="move_out"),
    # floors, units, the service centre and its facilities (Action.BUILDING_EDIT)
    path("buildings/<str:code>/floors/new/", views.floor_create, name="floor_create"),
    path("buildings/<str:code>/units/new/", views.units_create, name="units_create"),
    path("floors/<str:floor_code>/units/", views.floor_units, name="floor_units"),
    path("units/<id:pk>/edit/", views.unit_edit, name="unit_edit"),
    path("buildings/<str:code>/centre/", views.centre_edit, name="centre_edit"),
    path("buildings/<str:code>/centre/facilities/new/", views.facility_add, name="facility_add"),
    path("facilities/<id:pk>/edit/", views.facility_edit, name="facility_edit"),
    path("facilities/<id:pk>/in-use/", views.facility_in_use, name="facility_in_use"),
]
