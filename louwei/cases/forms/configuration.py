"""Forms of the configuration pages: categories, deadline rules, handlers and their staff."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from louwei.accounts.forms import PersonFields
from louwei.buildings.models import PropertyCompany
from louwei.core.forms import FormRenderer
from louwei.core.validators import normalise_phone, validate_phone

from ..models import Category, DeadlineRule, Handler, HandlerKind


RENDERER = FormRenderer()  # one instance: its template engine is built once


class Form(forms.Form):
    default_renderer = RENDERER


class ModelForm(forms.ModelForm):
    default_renderer = RENDERER


class CategoryForm(ModelForm):
    class Meta:
        model = Category
        fields = ["code", "name", "name_en", "description", "parent", "urgency", "handler_kind", "default_handler",
                  "position", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        parents = Category.objects.filter(parent__isnull=True).order_by("position", "code")
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
            self.fields["code"].disabled = True
            self.fields["code"].help_text = _("The Open311 service code; it does not change once clients use it.")
        self.fields["parent"].queryset = parents
        self.fields["parent"].label_from_instance = lambda c: c.label
        # A fixed handler that serves every building: a district department.
        self.fields["default_handler"].queryset = Handler.objects.filter(
            party_committee__isnull=False, is_active=True
        ).order_by("name")

    def fields_for_service(self) -> dict:
        data = dict(self.cleaned_data)
        if self.instance.pk:
            data.pop("code", None)
        return data


class DeadlineRuleForm(ModelForm):
    class Meta:
        model = DeadlineRule
        fields = ["respond_amount", "respond_unit", "resolve_amount", "resolve_unit"]


class HandlerForm(ModelForm):
    class Meta:
        model = Handler
        fields = ["name", "kind", "property_company", "phone", "is_active"]

    def __init__(self, *args, district_level=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["property_company"].queryset = PropertyCompany.objects.order_by("name")
        self.fields["property_company"].required = False
        if district_level:
            self.fields["kind"].choices = [(HandlerKind.DEPARTMENT, HandlerKind.DEPARTMENT.label),
                                           (HandlerKind.OTHER, HandlerKind.OTHER.label)]
            del self.fields["property_company"]
        if not self.instance.pk:
            del self.fields["is_active"]

    def clean_phone(self):
        value = normalise_phone(self.cleaned_data.get("phone"))
        if value:
            validate_phone(value)
        return value

    def _post_clean(self):
        # The service validates and saves; the form does not touch the instance.
        pass


class MemberForm(PersonFields, Form):
    """Someone Louwei knows (by username or mobile number), or a new person by name and mobile."""

    is_manager = forms.BooleanField(
        label=_("Manager"), required=False, help_text=_("Receives reminders and escalations."),
    )
