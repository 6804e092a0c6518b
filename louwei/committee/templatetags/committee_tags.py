"""Template helpers of the committee pages and posters."""

import re

from django import template
from django.utils.translation import gettext

from louwei.core.validators import normalise_phone

register = template.Library()


@register.filter
def phone_groups(value) -> str:
    """A phone number as people read it aloud: 139 1234 5678, 0537-1234567 unchanged."""
    phone = normalise_phone(value)
    if re.fullmatch(r"1\d{10}", phone):
        return f"{phone[:3]} {phone[3:7]} {phone[7:]}"
    return phone


@register.filter
def tel_href(value) -> str:
    """The ``tel:`` link of a Chinese phone number (digits only; the country code is not needed inside China)."""
    phone = normalise_phone(value)
    return "tel:" + re.sub(r"[^\d+]", "", phone)


@register.filter
def public_name(user) -> str:
    """How a floor leader is named on the public pages and the posters: by their name only, never by the
    login name (often the mobile number); a neutral "Floor leader" when the name is empty."""
    name = (getattr(user, "name", "") or "").strip()
    return name or gettext("Floor leader")
