"""Forms of the service centre's staff pages (on the building page). They parse input; the services
decide and write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from louwei.core.forms import FormRenderer

from .models import Facility, ServiceCentre


def _model_field(model, name, **kwargs):
    return model._meta.get_field(name).formfield(**kwargs)


class Form(forms.Form):
    default_renderer = FormRenderer


class FloorChoice(forms.ModelChoiceField):
    def label_from_instance(self, floor):
        return f"{floor.label} · {floor.name}" if floor.name else floor.label


class CentreForm(Form):
    name = _model_field(ServiceCentre, "name")
    floor = FloorChoice(label=_("Floor"), queryset=None)
    opening_hours = _model_field(ServiceCentre, "opening_hours", help_text=_("e.g. 工作日 9:00–17:30"))
    phone = _model_field(
        ServiceCentre, "phone", widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"})
    )
    on_site_services = _model_field(ServiceCentre, "on_site_services", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, floors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["floor"].queryset = floors

    @classmethod
    def initial_from(cls, centre: ServiceCentre | None) -> dict:
        if centre is None:
            return {"name": _("Party and public service centre")}
        return {name: getattr(centre, name) for name in cls.base_fields}


class FacilityForm(Form):
    name = _model_field(Facility, "name")
    kind = _model_field(Facility, "kind")
    capacity = _model_field(Facility, "capacity", help_text=_("Seats, for rooms."))
    description = _model_field(Facility, "description", widget=forms.Textarea(attrs={"rows": 2}))

    @classmethod
    def initial_from(cls, facility: Facility) -> dict:
        return {name: getattr(facility, name) for name in cls.base_fields}
