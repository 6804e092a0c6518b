"""The enterprise list's search, filters and sorting (django-filter)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from louwei.core.forms import SEARCH_MAX_LENGTH, FormRenderer
from louwei.core.text import compact, normalise

from .models import Industry, PartyOrganisation

# Size bands by employee count (an employee count of 0 means "not known").
SIZE_BANDS = {
    "lt10": (_("Fewer than 10 employees"), Q(employee_count__lt=10)),
    "10-49": (_("10–49 employees"), Q(employee_count__gte=10, employee_count__lt=50)),
    "50-99": (_("50–99 employees"), Q(employee_count__gte=50, employee_count__lt=100)),
    "100-299": (_("100–299 employees"), Q(employee_count__gte=100, employee_count__lt=300)),
    "300+": (_("300 employees or more"), Q(employee_count__gte=300)),
}


def search_q(text: str) -> Q:
    """Name fragment or USCC fragment."""
    name = normalise(text)
    code = compact(text).upper()
    condition = Q(name__icontains=name)
    if code and code.isalnum():
        condition |= Q(uscc__icontains=code)
    return condition


class FilterForm(forms.Form):
    default_renderer = FormRenderer


def industry_choices():
    return [(code, f"{code} · {label}") for code, label in Industry.choices]


class FloorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.label if not obj.name else f"{obj.label} · {obj.name}"


class FloorFilter(django_filters.ModelChoiceFilter):
    field_class = FloorChoiceField


class SortFilter(django_filters.OrderingFilter):
    """The sort orders people use, with labels that say which way they go."""

    def build_choices(self, fields, labels):
        return [
            ("floor", _("Floor, lowest first")),
            ("-floor", _("Floor, highest first")),
            ("name", _("Name")),
            ("-employees", _("Employees, most first")),
            ("employees", _("Employees, fewest first")),
        ]


class EnterpriseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_search",
        max_length=SEARCH_MAX_LENGTH,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("Name or credit code"),
                "autocomplete": "off",
                "inputmode": "search",
                "enterkeyhint": "search",
            }
        ),
    )
    floor = FloorFilter(label=_("Floor"), queryset=None, method="filter_floor", empty_label=_("All floors"))
    industry = django_filters.ChoiceFilter(
        label=_("Industry"), choices=industry_choices, empty_label=_("All industries")
    )
    size = django_filters.ChoiceFilter(
        label=_("Size"),
        choices=[(key, label) for key, (label, _q) in SIZE_BANDS.items()],
        method="filter_size",
        empty_label=_("Any size"),
    )
    party_organisation = django_filters.ChoiceFilter(
        label=_("Party organisation"), choices=PartyOrganisation.choices, empty_label=_("Any")
    )
    sort = SortFilter(
        label=_("Sort by"),
        fields=(("first_floor", "floor"), ("name", "name"), ("employee_count", "employees")),
        empty_label=None,
        null_label=None,
    )

    class Meta:
        form = FilterForm

    def __init__(self, data=None, *args, building=None, floors=None, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.building = building
        self.filters["floor"].queryset = floors
        self.form.fields["floor"].queryset = floors

    def filter_search(self, queryset, name, value):
        if not value or not value.strip():
            return queryset
        return queryset.filter(search_q(value))

    def filter_floor(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.on_floors([value])

    def filter_size(self, queryset, name, value):
        band = SIZE_BANDS.get(value)
        return queryset.filter(band[1]) if band else queryset

    @property
    def is_filtered(self) -> bool:
        data = self.form.cleaned_data if self.form.is_bound and self.form.is_valid() else {}
        keys = ("q", "floor", "industry", "size", "party_organisation")
        return any(data.get(key) not in (None, "", []) for key in keys)

    @property
    def active_filter_count(self) -> int:
        data = self.form.cleaned_data if self.form.is_bound and self.form.is_valid() else {}
        return sum(1 for key in ("floor", "industry", "size", "party_organisation") if data.get(key) not in (None, ""))
