"""Every page of the cases. Views live in ``views/`` by concern:

* ``raising``: raising a case (visitor from the floor QR code, app users, on behalf), similar cases;
* ``tracking``: the visitor's private link (timeline, rating, adding information);
* ``queues``: each role's queue, a building's case list and its Excel export;
* ``detail``: one case, its timeline and the action forms;
* ``dashboards``: the rates, by building and by district, and their Excel export;
* ``configuration``: categories, deadline rules, handlers and their staff.
"""

from django.urls import path

from .views import configuration, dashboards, detail, queues, raising, tracking

app_name = "cases"

urlpatterns = [
    # Raising
    path("f/<str:floor_code>/report/", raising.visitor_raise, name="visitor_raise"),
    path("cases/submitted/<str:number>/", raising.visitor_done, name="visitor_done"),
    path("cases/new/", raising.create, name="create"),
    path("cases/similar/", raising.similar, name="similar"),
    path("cases/<str:number>/support/", raising.support, name="support"),
    # The visitor's private link
    path("t/", tracking.lookup, name="track_lookup"),
    path("t/<str:number>/<str:token>/", tracking.detail, name="track"),
    path("t/<str:number>/<str:token>/rate/", tracking.rate, name="track_rate"),
    path("t/<str:number>/<str:token>/add/", tracking.add_information, name="track_add"),
    path("t/<str:number>/<str:token>/photos/<id:pk>/", tracking.photo, name="track_photo"),
    # Queues and lists
    path("cases/", queues.mine, name="queue"),
    path("buildings/<str:code>/cases/", queues.building, name="building_cases"),
    path("buildings/<str:code>/cases/export.xlsx", queues.building_export, name="building_export"),
    path("cases/settings/", configuration.index, name="settings"),  # before cases/<number>/
    # One case
    path("cases/<str:number>/", detail.detail, name="detail"),
    path("cases/<str:number>/act/<str:action>/", detail.act, name="act"),
    path("cases/photos/<id:pk>/", detail.photo, name="photo"),
    # The rates
    path("buildings/<str:code>/cases/dashboard/", dashboards.building, name="building_dashboard"),
    path("buildings/<str:code>/cases/figures.xlsx", dashboards.building_export, name="building_figures_export"),
    path("districts/<str:code>/cases/dashboard/", dashboards.district, name="district_dashboard"),
    path("districts/<str:code>/cases/figures.xlsx", dashboards.district_export, name="district_figures_export"),
    # Configuration
    path("cases/settings/categories/new/", configuration.category_create, name="category_create"),
    path("cases/settings/categories/<id:pk>/", configuration.category_edit, name="category_edit"),
    path("cases/settings/deadlines/<str:urgency>/", configuration.deadline_edit, name="deadline_edit"),
    path("buildings/<str:code>/handlers/", configuration.building_handlers, name="building_handlers"),
    path("districts/<str:code>/handlers/", configuration.district_handlers, name="district_handlers"),
    path("handlers/new/", configuration.handler_create, name="handler_create"),
    path("handlers/<id:pk>/", configuration.handler_edit, name="handler_edit"),
    path("handlers/<id:pk>/members/new/", configuration.member_add, name="member_add"),
    path("handler-members/<id:pk>/end/", configuration.member_end, name="member_end"),
]
