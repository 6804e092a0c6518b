from django.conf import settings
from django.utils.functional import SimpleLazyObject

from louwei import access

from .navigation import Navigation


def navigation(request):
    """What the shell needs on every page. Everything is lazy: an htmx fragment that shows no
    navigation makes no query for it."""
    user = getattr(request, "user", None)
    return {
        "nav": Navigation(request),
        "nav_role_kinds": SimpleLazyObject(lambda: access.role_kinds(user) if user is not None else set()),
        "nav_is_building_staff": SimpleLazyObject(
            lambda: bool(user and user.is_authenticated and (user.is_superuser or access.is_building_staff(user)))
        ),
        "LOUWEI_PRODUCT_NAME": settings.LOUWEI_PRODUCT_NAME,
    }
