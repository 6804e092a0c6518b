from django.conf import settings

from louwei import access


def navigation(request):
    """What the shell needs on every page: the person's roles, for navigation by role."""
    user = getattr(request, "user", None)
    kinds = access.role_kinds(user) if user is not None else set()
    return {
        "nav_role_kinds": kinds,
        "nav_is_building_staff": bool(user and user.is_authenticated and (user.is_superuser or access.is_building_staff(user))),
        "LOUWEI_PRODUCT_NAME": settings.LOUWEI_PRODUCT_NAME,
    }
