"""Phone numbers as people read them: one format on every page and in every export.

Stored numbers are in their plain national form (``validators.normalise_phone``: 13912345678,
0537-1234567); shown, a mobile number is grouped 3-4-4 as it is read aloud (139 1234 5678) and a
landline keeps its area code apart (0537-1234567). The API gives the stored form, for machines.
"""

from __future__ import annotations

import re

from .validators import normalise_phone


def display(value) -> str:
    """``value`` as people read it: 139 1234 5678, 0537-1234567; anything else unchanged."""
    phone = normalise_phone(value or "")
    if re.fullmatch(r"1\d{10}", phone):
        return f"{phone[:3]} {phone[3:7]} {phone[7:]}"
    return phone


def tel_href(value) -> str:
    """The ``tel:`` link of a phone number (digits only; no country code is needed inside China)."""
    return "tel:" + re.sub(r"[^\d+]", "", normalise_phone(value or ""))
