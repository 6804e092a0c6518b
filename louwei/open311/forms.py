"""The form of the keys page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ClientKey


class IssueKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Client system"), max_length=ClientKey._meta.get_field("name").max_length,
        help_text=_("Who will use the key, e.g. “District 12345 hotline”."),
    )
    district = forms.ModelChoiceField(
        label=_("District"), queryset=None, required=False,
        help_text=_("The key files and reads requests in this district's buildings only."),
    )

    def __init__(self, *args, districts, allow_all: bool, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["district"]
        field.queryset = districts
        if allow_all:
            field.empty_label = _("Every district")
        else:
            # District staff always issue keys limited to their district.
            field.required = True
            field.empty_label = None
