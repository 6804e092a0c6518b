"""Template helpers of the committee pages and posters."""

from django import template
from django.utils.translation import gettext

register = template.Library()


@register.filter
def public_name(user) -> str:
    """How a floor leader is named on the public pages and the posters: by their name only, never by the
    login name (often the mobile number); a neutral "Floor leader" when the name is empty."""
    name = (getattr(user, "name", "") or "").strip()
    return name or gettext("Floor leader")
