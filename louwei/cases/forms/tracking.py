"""Forms of the visitor's private link: finding a case again, rating it, adding information."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..models import Rating

# A pasted link (any host) or just its path: /t/<number>/<token>/
_LINK = re.compile(r"/t/(?P<number>[^/\s]+)/(?P<token>[^/\s?#]+)")


class LookupForm(forms.Form):
    """Paste the private link, or type the tracking number and the code from it."""

    link = forms.CharField(label=_("Your private link"), required=False, max_length=300,
                           widget=forms.TextInput(attrs={"inputmode": "url", "autocomplete": "off"}),
                           help_text=_("Paste the whole link you saved when you sent the request."))
    number = forms.CharField(label=_("Tracking number"), required=False, max_length=20,
                             widget=forms.TextInput(attrs={"autocomplete": "off"}))
    token = forms.CharField(label=_("Access code"), required=False, max_length=64,
                            widget=forms.TextInput(attrs={"autocomplete": "off"}),
                            help_text=_("The last part of the link, after the tracking number."))

    def clean(self):
        data = super().clean()
        link = (data.get("link") or "").strip()
        if link:
            match = _LINK.search(link)
            if not match:
                raise forms.ValidationError(_("This does not look like a tracking link."), code="bad_link")
            data["number"], data["token"] = match["number"], match["token"]
        elif not (data.get("number") or "").strip() or not (data.get("token") or "").strip():
            raise forms.ValidationError(_("Paste the link, or type both the tracking number and the access code."),
                                        code="incomplete")
        data["number"] = data["number"].strip()
        data["token"] = data["token"].strip()
        return data


class RatingForm(forms.Form):
    rating = forms.ChoiceField(label=_("How satisfied are you with how your request was handled?"),
                               choices=Rating.choices, widget=forms.RadioSelect)
    comment = forms.CharField(
        label=pgettext_lazy("rating", "Comment"), max_length=500, required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("If you are dissatisfied, tell us why: the case is reopened and the reason shown on it."),
    )

    def clean(self):
        data = super().clean()
        if data.get("rating") == Rating.DISSATISFIED and not (data.get("comment") or "").strip():
            self.add_error("comment", forms.ValidationError(
                _("Tell us why you are dissatisfied, so it can be put right."), code="reason_required"))
        return data


class AddInformationForm(forms.Form):
    text = forms.CharField(label=_("Add information"), max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3, "maxlength": 2000}),
                           help_text=_("Visible to the people handling your case and on this page."))
