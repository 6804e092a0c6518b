"""Forms of the committee staff pages. They parse input; the services decide what is allowed."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from louwei.accounts.forms import PersonFields
from louwei.buildings.models import Enterprise
from louwei.core.forms import DateField, FormRenderer
from louwei.core.validators import normalise_phone, validate_phone

from . import services
from .models import AppointmentMethod, Term

PHOTO_ACCEPT = "image/jpeg,image/png,image/webp"


class Form(forms.Form):
    """Forms of this app render with the design system's ``.field`` markup."""

    default_renderer = FormRenderer


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class CommitteeForm(Form):
    name = forms.CharField(label=_("Committee name"), max_length=100)
    founded_on = DateField(label=_("Founded on"), required=False, widget=DateInput())
    phone = forms.CharField(
        label=_("Committee phone"), required=False, max_length=20,
        help_text=_("Shown on the public pages and the posters."), widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )

    def clean_phone(self):
        value = normalise_phone(self.cleaned_data.get("phone"))
        if value:
            validate_phone(value)
        return value


class TermForm(Form):
    number = forms.IntegerField(
        label=_("Term number"), min_value=1, max_value=99, required=False,
        help_text=_("Leave empty to number it after the last term."),
    )
    started_on = DateField(label=_("Starts on"), widget=DateInput())
    ended_on = DateField(
        label=_("Ends on"), required=False, widget=DateInput(), help_text=_("Leave empty while the term runs.")
    )


class EnterpriseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class PhotoField(forms.FileField):
    """Any file; the service checks with Pillow that it is a JPEG, PNG or WebP image of allowed size."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Photo"))
        kwargs.setdefault("help_text", _("JPEG, PNG or WebP; a head-and-shoulders picture looks best on the poster."))
        kwargs.setdefault("widget", forms.FileInput(attrs={"accept": PHOTO_ACCEPT}))
        super().__init__(**kwargs)


class AppointmentFields(PersonFields, Form):
    """Who, how and from when; shared by appointing and replacing."""

    enterprise = EnterpriseChoiceField(
        label=_("Their enterprise"), queryset=Enterprise.objects.none(), required=False,
        empty_label=_("— none —"),
    )
    method = forms.ChoiceField(
        label=_("How appointed"), choices=AppointmentMethod.choices, widget=forms.RadioSelect,
        initial=AppointmentMethod.ASSIGNED,
    )
    nominated_by = EnterpriseChoiceField(
        label=_("Nominated by"), queryset=Enterprise.objects.none(), required=False, empty_label=_("— none —"),
        help_text=_("Only when nominated by an enterprise."),
    )
    term = forms.ModelChoiceField(label=_("Term"), queryset=Term.objects.none(), empty_label=None)
    started_on = DateField(label=_("From"), widget=DateInput())
    public_phone = forms.CharField(
        label=_("Phone shown on the floor"), required=False, max_length=20,
        help_text=_("Leave empty to show the person's mobile number."),
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    photo = PhotoField()

    def __init__(self, *args, building, terms, current_term=None, **kwargs):
        super().__init__(*args, **kwargs)
        enterprises = Enterprise.objects.in_building(building).order_by("name")
        self.fields["enterprise"].queryset = enterprises
        self.fields["nominated_by"].queryset = enterprises
        self.fields["term"].queryset = Term.objects.filter(pk__in=[t.pk for t in terms]).order_by("-number")
        self.fields["term"].label_from_instance = lambda t: t.title
        if current_term is not None:
            self.fields["term"].initial = current_term.pk
        self.fields["started_on"].initial = timezone.localdate()

    def clean_public_phone(self):
        value = normalise_phone(self.cleaned_data.get("public_phone"))
        if value:
            validate_phone(value)
        return value

    def clean(self):
        data = super().clean()
        if data.get("method") == AppointmentMethod.NOMINATED and not data.get("nominated_by"):
            self.add_error("nominated_by", _("Name the enterprise that nominated the floor leader."))
        return data

    def person_arguments(self) -> dict:
        """The service's ``user`` (someone found) or ``new_person`` (to be created with the appointment)."""
        if self.person_obj is not None:
            return {"user": self.person_obj}
        data = self.cleaned_data
        return {"new_person": services.NewPerson(name=data["new_name"], phone=data["new_phone"])}


class AppointForm(AppointmentFields):
    pass


class ReplaceForm(AppointmentFields):
    reason = forms.CharField(label=_("Why the current leader leaves"), required=False, max_length=200)

    field_order = ["person", "new_name", "new_phone", "enterprise", "method", "nominated_by", "term", "started_on",
                   "public_phone", "photo", "reason"]


class EndForm(Form):
    ended_on = DateField(label=_("Last day"), widget=DateInput())
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=200,
        help_text=_("For example: moved out of the building, end of term, stepped down."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ended_on"].initial = timezone.localdate()


class LeaderEditForm(Form):
    public_phone = forms.CharField(
        label=_("Phone shown on the floor"), required=False, max_length=20,
        help_text=_("Leave empty to show the person's mobile number."),
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    enterprise = EnterpriseChoiceField(
        label=_("Their enterprise"), queryset=Enterprise.objects.none(), required=False, empty_label=_("— none —"),
    )
    photo = PhotoField(label=_("New photo"))
    remove_photo = forms.BooleanField(label=_("Remove the photo"), required=False)

    def __init__(self, *args, building, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = Enterprise.objects.in_building(building).order_by("name")

    def clean_public_phone(self):
        value = normalise_phone(self.cleaned_data.get("public_phone"))
        if value:
            validate_phone(value)
        return value
