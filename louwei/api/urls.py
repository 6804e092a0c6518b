from django.urls import include, path
from rest_framework.routers import DefaultRouter

from . import cases, notices, views

app_name = "api"



class Router(DefaultRouter):
    """No ``.json`` format-suffix addresses: the API speaks JSON only (``?format=api`` shows the
    browsable pages), and DRF's suffix routes broke every custom action (``format`` passed to it)."""

    include_format_suffixes = False


router = Router(trailing_slash=True)
router.register("buildings", views.BuildingViewSet, basename="building")
router.register("floors", views.FloorViewSet, basename="floor")
router.register("enterprises", views.EnterpriseViewSet, basename="enterprise")
router.register("floor-leaders", views.FloorLeaderViewSet, basename="floor-leader")
router.register("notices", notices.NoticeViewSet, basename="notice")
router.register("inbox", notices.InboxViewSet, basename="inbox")
router.register("cases", cases.CaseViewSet, basename="case")
router.register("case-categories", cases.CategoryViewSet, basename="case-category")
router.register("case-handlers", cases.HandlerViewSet, basename="case-handler")

urlpatterns = [
    path("openapi.json", views.SchemaView.as_view(), name="schema"),
    path("docs/", views.SwaggerView.as_view(), name="docs"),
    path("", include(router.urls)),
]
