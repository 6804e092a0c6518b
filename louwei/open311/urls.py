from django.urls import path, register_converter

from . import views

app_name = "open311"


class FormatConverter:
    """The format after the dot: json or xml (anything else gets a 404 error in JSON from the view)."""

    regex = r"[A-Za-z0-9]+"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(FormatConverter, "open311fmt")

urlpatterns = [
    # GeoReport v2 (docs/open311.md)
    path("v2/discovery.<open311fmt:fmt>", views.discovery, name="discovery"),
    path("v2/services.<open311fmt:fmt>", views.service_list, name="services"),
    path("v2/services/<slug:code>.<open311fmt:fmt>", views.service_definition, name="service"),
    path("v2/requests.<open311fmt:fmt>", views.requests, name="requests"),
    path("v2/requests/<slug:number>.<open311fmt:fmt>", views.request_detail, name="request"),
    path("v2/tokens/<slug:token>.<open311fmt:fmt>", views.token, name="token"),
    # The staff page of API keys
    path("keys/", views.key_list, name="keys"),
    path("keys/<id:pk>/revoke/", views.key_revoke, name="key_revoke"),
]
