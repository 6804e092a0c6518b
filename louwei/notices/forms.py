from django import forms
from django.utils.translation import gettext_lazy as _

from louwei.buildings.models import Building, Enterprise, Floor, Industry, PartyOrganisation
from louwei.core.forms import DateField

from .models import Notice, RelayMethod


class NoticeForm(forms.ModelForm):
    class Meta:
        model = Notice
        fields = ["kind", "title", "body", "issuing_body", "document_number", "effective_on", "expires_on", "topic"]
        field_classes = {"effective_on": DateField, "expires_on": DateField}
        widgets = {
            "body": forms.Textarea(attrs={"rows": 8}),
            "effective_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "expires_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        help_texts = {"issuing_body": _("Policies only: who issued it, its number, dates and topic.")}


class AudienceForm(forms.Form):
    """Who receives the notice, inside the notice's own scope."""

    buildings = forms.ModelMultipleChoiceField(
        label=_("Buildings"), queryset=Building.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple, help_text=_("None chosen: every building of the scope."),
    )
    floors = forms.ModelMultipleChoiceField(
        label=_("Floors"), queryset=Floor.objects.none(), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("A floor chosen narrows its building to that floor."),
    )
    industries = forms.MultipleChoiceField(
        label=_("Industries"), choices=Industry.choices, required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: every industry."),
    )
    min_employees = forms.IntegerField(label=_("At least employees"), min_value=0, required=False)
    max_employees = forms.IntegerField(label=_("At most employees"), min_value=0, required=False)
    party_organisations = forms.MultipleChoiceField(
        label=_("Party organisation"), choices=PartyOrganisation.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    enterprises = forms.ModelMultipleChoiceField(
        label=_("Also these enterprises"), queryset=Enterprise.objects.none(), required=False,
        help_text=_("Named enterprises receive it whatever the filters above."),
    )

    def __init__(self, *args, scope, enterprises, **kwargs):
        super().__init__(*args, **kwargs)
        if isinstance(scope, Building):
            buildings = Building.objects.filter(pk=scope.pk)
            del self.fields["buildings"]
        else:
            buildings = Building.objects.filter(party_committee=scope)
            self.fields["buildings"].queryset = buildings
        self.fields["floors"].queryset = Floor.objects.filter(building__in=buildings).select_related("building")
        self.fields["enterprises"].queryset = enterprises

    def audience(self) -> dict:
        data = dict(self.cleaned_data)
        data.setdefault("buildings", [])
        return {k: (list(v) if isinstance(v, (list, tuple)) or hasattr(v, "model") else v) for k, v in data.items()}


class ScheduleForm(forms.Form):
    publish_at = forms.DateTimeField(
        label=_("Publish at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File"), help_text=_("PDF, Word, Excel, PowerPoint or an image; at most 20 MB."))


class RelayForm(forms.Form):
    method = forms.ChoiceField(label=_("How"), choices=RelayMethod.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
