"""Forms of the registry's pages. They parse input; the services decide and write."""

from __future__ import annotations

import re
from pathlib import Path

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from louwei.core.forms import DateField, FormRenderer
from louwei.core.text import normalise as normalise_text
from louwei.core.validators import normalise_uscc, validate_uscc

from .filters import FloorChoiceField, industry_choices
from .models import Building, Enterprise, EnterpriseContact, Floor, PropertyCompany, Unit
from .roster import check_workbook_bytes
from .services import MAX_UNITS_AT_ONCE, normalise_unit_number


def _model_field(model, name, **kwargs):
    return model._meta.get_field(name).formfield(**kwargs)


class Form(forms.Form):
    """A form drawn with the design system's field markup."""

    default_renderer = FormRenderer


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class EnterpriseForm(Form):
    name = _model_field(Enterprise, "name")
    uscc = forms.CharField(
        label=_("Unified social credit code"),
        max_length=40,
        help_text=_("18 characters, GB 32100-2015."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false", "autocomplete": "off"}),
    )
    industry = forms.ChoiceField(label=_("Industry"), choices=industry_choices)
    employee_count = _model_field(Enterprise, "employee_count")
    party_organisation = _model_field(Enterprise, "party_organisation")
    party_member_count = _model_field(Enterprise, "party_member_count")
    phone = _model_field(Enterprise, "phone", widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}))
    email = _model_field(Enterprise, "email")
    description = _model_field(Enterprise, "description", widget=forms.Textarea(attrs={"rows": 3}))

    def clean_uscc(self):
        code = normalise_uscc(self.cleaned_data["uscc"])
        validate_uscc(code)
        return code

    @classmethod
    def initial_from(cls, enterprise: Enterprise) -> dict:
        return {name: getattr(enterprise, name) for name in cls.base_fields}


class EnterpriseCreateForm(EnterpriseForm):
    floor = FloorChoiceField(label=_("Floor"), queryset=None)
    unit_number = forms.CharField(
        label=_("Unit number"), max_length=16, help_text=_("A new unit number is added to the floor.")
    )
    moved_in_on = DateField(label=_("Moved in"), widget=DateInput(), initial=timezone.localdate)

    def __init__(self, *args, floors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["floor"].queryset = floors


class MoveInForm(Form):
    floor = forms.ModelChoiceField(label=_("Floor"), queryset=None)
    unit_number = forms.CharField(
        label=_("Unit number"), max_length=16, help_text=_("A new unit number is added to the floor.")
    )
    started_on = DateField(label=_("Moved in"), widget=DateInput(), initial=timezone.localdate)

    def __init__(self, *args, floors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["floor"].queryset = floors
        self.fields["floor"].label_from_instance = lambda floor: f"{floor.building.name} · {floor.label}"


class MoveOutForm(Form):
    ended_on = DateField(label=_("Moved out"), widget=DateInput(), initial=timezone.localdate)


class ContactForm(Form):
    name = _model_field(EnterpriseContact, "name", label=_("Full name"))
    title = _model_field(EnterpriseContact, "title")
    phone = _model_field(
        EnterpriseContact, "phone", widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"})
    )
    email = _model_field(EnterpriseContact, "email")
    is_primary = forms.BooleanField(label=_("Main contact"), required=False)

    @classmethod
    def initial_from(cls, contact: EnterpriseContact) -> dict:
        return {name: getattr(contact, name) for name in cls.base_fields}


class BuildingForm(Form):
    name = _model_field(Building, "name")
    address = _model_field(Building, "address")
    property_company = forms.ModelChoiceField(
        label=_("Property company"), queryset=PropertyCompany.objects.order_by("name"), required=False
    )
    is_pilot = _model_field(Building, "is_pilot")

    @classmethod
    def initial_from(cls, building: Building) -> dict:
        return {name: getattr(building, name) for name in cls.base_fields}


class RosterUploadForm(Form):
    file = forms.FileField(
        label=_("Roster file (.xlsx)"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.LOUWEI_MAX_ROSTER_BYTES
        if upload.size > limit:
            raise ValidationError(
                _("The file is %(size)s; the limit is %(limit)s.")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
            )
        if Path(upload.name).suffix.lower() != ".xlsx":
            raise ValidationError(_("Upload an Excel workbook saved as .xlsx."))
        upload.seek(0)
        data = upload.read(limit + 1)
        if len(data) > limit:
            raise ValidationError(
                _("The file is %(size)s; the limit is %(limit)s.")
                % {"size": filesizeformat(len(data)), "limit": filesizeformat(limit)}
            )
        check_workbook_bytes(data)
        self.data_bytes = data
        return upload


class RosterConfirmForm(Form):
    job = forms.UUIDField(widget=forms.HiddenInput)  # the check (or import) that holds the uploaded file
    skip_invalid = forms.BooleanField(
        label=_("Import the good rows and leave out the rejected ones"), required=False
    )


# ----------------------------------------------------------------------------------------------
# Floors and units (the building's staff pages, Action.BUILDING_EDIT)


class FloorForm(Form):
    number = forms.IntegerField(
        label=_("Floor number"), min_value=-9, max_value=200, help_text=_("Negative for basements, e.g. -1 for B1.")
    )
    name = _model_field(Floor, "name")


_UNIT_SEPARATORS = re.compile(r"[,，、;；\s]+")
_RANGE_SIGN = r"(?:-|~|—|–|至|到)"
_UNIT_RANGE = re.compile(rf"^([A-Z]*)(\d+){_RANGE_SIGN}\1?(\d+)$")


def parse_unit_numbers(text: str) -> list[str]:
    """Unit numbers as people list them: ``0501-0508`` (a range), ``0501, 0502 0510`` or one per line,
    or a mix. A range keeps the width of its first number; numbers like ``A-12`` stay as they are."""
    numbers: list[str] = []
    text = re.sub(rf"\s*({_RANGE_SIGN})\s*", r"\1", normalise_text(text))
    for part in _UNIT_SEPARATORS.split(text):
        number = normalise_unit_number(part)
        if not number:
            continue
        match = _UNIT_RANGE.match(number)
        if match is None:
            numbers.append(number)
            continue
        prefix, first, last = match.groups()
        start, end = int(first), int(last)
        if end <= start:
            raise ValidationError(
                _("“%(range)s”: write a range from the lower number to the higher, e.g. 0501-0508.")
                % {"range": number}
            )
        if end - start + 1 > MAX_UNITS_AT_ONCE:
            raise ValidationError(_("At most %(max)d units at once.") % {"max": MAX_UNITS_AT_ONCE})
        numbers.extend(f"{prefix}{str(n).zfill(len(first))}" for n in range(start, end + 1))
    return numbers


class FloorChoice(forms.ModelChoiceField):
    def label_from_instance(self, floor):
        return f"{floor.label} · {floor.name}" if floor.name else floor.label


class UnitsForm(Form):
    floor = FloorChoice(label=_("Floor"), queryset=None)
    numbers = forms.CharField(
        label=_("Unit numbers"),
        max_length=2000,
        help_text=_("Several at once: a range such as 0501-0508, or numbers separated by commas or spaces."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false", "autocomplete": "off"}),
    )
    area = forms.DecimalField(
        label=_("Area of each unit (m²)"), required=False, min_value=0, max_digits=8, decimal_places=2
    )

    def __init__(self, *args, floors, floor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["floor"].queryset = floors
        if floor is not None:  # the floor's own page: the floor is given
            self.fields["floor"].initial = floor.pk
            self.fields["floor"].widget = forms.HiddenInput()

    def clean_numbers(self):
        numbers = parse_unit_numbers(self.cleaned_data["numbers"])
        if not numbers:
            raise ValidationError(_("Give the unit number."))
        return numbers


class UnitForm(Form):
    number = forms.CharField(label=_("Unit number"), max_length=16)
    area = forms.DecimalField(label=_("Area (m²)"), required=False, min_value=0, max_digits=8, decimal_places=2)

    @classmethod
    def initial_from(cls, unit: Unit) -> dict:
        return {"number": unit.number, "area": unit.area}
