"""The forms of the official-calendar pages. They parse what was typed; ``services`` checks it."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import services


class YearChoiceForm(forms.Form):
    year = forms.IntegerField(label=pgettext_lazy("calendar", "Year"), help_text=_("Enter or correct another year."))

    def clean_year(self):
        try:
            return services.check_year(self.cleaned_data["year"])
        except ValidationError as error:
            raise ValidationError(error.message_dict["year"]) from None


class YearForm(forms.Form):
    days_off = forms.CharField(
        label=_("Days off"), max_length=services.TEXT_MAX, widget=forms.Textarea(attrs={"rows": 9}),
        help_text=_("One holiday per line: its name and a date or a range, e.g. 元旦 2027-01-01..2027-01-03. "
                    "Weekend days inside the holiday are days off too: include them."),
    )
    working_days = forms.CharField(
        label=_("Make-up working days"), required=False, max_length=services.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The Saturdays and Sundays worked instead (调休), one per line or separated by commas, "
                    "e.g. 2027-02-20; a name may follow."),
    )
    notice = forms.CharField(
        label=_("State Council notice"), max_length=services.NOTICE_MAX,
        help_text=_("The document number of the notice the days come from, e.g. 国办发明电〔2026〕N号."),
    )
    previewed = forms.CharField(widget=forms.HiddenInput, required=False)
