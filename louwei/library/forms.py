"""The library page's search box and filters (GET parameters)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from louwei.core.forms import SEARCH_MAX_LENGTH, DateField, FormRenderer

from .queries import Filters


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class LibraryForm(forms.Form):
    default_renderer = FormRenderer

    q = forms.CharField(
        label=_("Search policies"), required=False, max_length=SEARCH_MAX_LENGTH,
        widget=forms.TextInput(attrs={
            "type": "search", "placeholder": _("A word, e.g. 人才 or 加计扣除"), "autocomplete": "off",
            "inputmode": "search", "enterkeyhint": "search",
        }),
    )
    topic = forms.ChoiceField(label=_("Topic"), required=False)
    issuing_body = forms.ChoiceField(label=_("Issuing body"), required=False)
    published_from = DateField(label=_("Published from"), required=False, widget=DateInput())
    published_to = DateField(label=pgettext_lazy("date range", "Published until"), required=False,
                                   widget=DateInput())
    in_force = forms.BooleanField(label=_("Only policies in force"), required=False)

    def __init__(self, data=None, *, topics=(), issuers=(), **kwargs):
        super().__init__(data, **kwargs)
        self.fields["topic"].choices = [("", _("All topics"))] + [(t, t) for t in topics]
        self.fields["issuing_body"].choices = [("", _("All issuing bodies"))] + [(i, i) for i in issuers]

    def clean(self):
        data = super().clean()
        start, end = data.get("published_from"), data.get("published_to")
        if start and end and end < start:
            self.add_error("published_to", _("The end date is before the start date."))
        return data

    def query(self) -> str:
        return self.cleaned_data.get("q", "") if self.is_valid() else (self.data.get("q") or "")[:100]

    def filters(self) -> Filters:
        """The valid filters (an invalid one is ignored, and shown with its error)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return Filters.of({name: data.get(name) for name in Filters.__dataclass_fields__})
