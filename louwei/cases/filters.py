"""The building's case list: filters and search (django-filter)."""

from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.db.models import Q
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from louwei.core.forms import SEARCH_MAX_LENGTH, DateField, FormRenderer

from .models import OPEN_STATUSES, Category, Channel, Status, Urgency


class FilterForm(forms.Form):
    default_renderer = FormRenderer()  # one instance: its template engine is built once, not per request


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class FastSelect(forms.Select):
    """A ``<select>`` rendered in Python. The filter bar renders on every request of the list, and
    Django's one-template-per-option rendering costs more than all the page's queries."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html("<select name=\"{}\"{}>", widget["name"], flatatt(widget["attrs"]))]
        for group, options, _index in widget["optgroups"]:
            if group:
                parts.append(format_html("<optgroup label=\"{}\">", group))
            for option in options:
                parts.append(format_html("<option value=\"{}\"{}>{}</option>", option["value"],
                                         mark_safe(" selected") if option["selected"] else "", option["label"]))
            if group:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("".join(parts))


class DateFilter(django_filters.DateFilter):
    field_class = DateField  # the kernel's: a date people may mean, never year 1 or 9999


class FloorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.label


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.label


class FloorFilter(django_filters.ModelChoiceFilter):
    field_class = FloorChoiceField


class CategoryFilter(django_filters.ModelChoiceFilter):
    field_class = CategoryChoiceField


OPEN = "open"
OVERDUE_CHOICES = [("yes", _("Overdue")), ("no", _("Not overdue"))]


class CaseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"), method="filter_search", max_length=SEARCH_MAX_LENGTH,
        widget=forms.TextInput(attrs={
            "type": "search", "placeholder": _("Tracking number or words"), "autocomplete": "off",
            "inputmode": "search", "enterkeyhint": "search",
        }),
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=[(OPEN, pgettext_lazy("case status", "Open")), *Status.choices],
        method="filter_status", empty_label=pgettext_lazy("case status", "Any"), widget=FastSelect,
    )
    category = CategoryFilter(
        label=_("Category"), queryset=Category.objects.all(), method="filter_category",
        empty_label=_("All categories"), widget=FastSelect,
    )
    handler = django_filters.ModelChoiceFilter(label=_("Handler"), queryset=None, empty_label=_("All handlers"),
                                               widget=FastSelect)
    floor = FloorFilter(label=_("Floor"), queryset=None, empty_label=_("All floors"), widget=FastSelect)
    urgency = django_filters.ChoiceFilter(label=_("Urgency"), choices=Urgency.choices, empty_label=_("Any urgency"),
                                          widget=FastSelect)
    overdue = django_filters.ChoiceFilter(
        label=_("Deadline"), choices=OVERDUE_CHOICES, method="filter_overdue", empty_label=_("Any"), widget=FastSelect,
    )
    channel = django_filters.ChoiceFilter(
        label=pgettext_lazy("case", "Channel"), choices=Channel.choices, empty_label=_("Any channel"),
        widget=FastSelect,
    )
    since = DateFilter(
        label=_("Submitted from"), method="filter_since", widget=DateInput(),
    )
    until = DateFilter(
        label=_("Submitted until"), method="filter_until", widget=DateInput(),
    )

    class Meta:
        form = FilterForm

    def __init__(self, data=None, *args, floors=None, handlers=None, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.filters["floor"].queryset = floors
        self.filters["handler"].queryset = handlers
        self.form.fields["floor"].queryset = floors
        self.form.fields["handler"].queryset = handlers
        self.form.fields["category"].queryset = Category.objects.select_related("parent").order_by("position", "code")

    def filter_search(self, queryset, name, value):
        value = " ".join((value or "").split())
        if not value:
            return queryset
        if value.replace("-", "").isdigit():
            return queryset.filter(Q(number__startswith=value) | Q(description__icontains=value))
        condition = Q()
        for word in value.split()[:5]:
            condition &= Q(description__icontains=word)
        return queryset.filter(condition)

    def filter_status(self, queryset, name, value):
        if value == OPEN:
            return queryset.filter(status__in=OPEN_STATUSES)
        return queryset.filter(status=value) if value else queryset

    def filter_category(self, queryset, name, value):
        """A parent category includes its sub-categories (building services → lifts, cleaning ...)."""
        if value is None:
            return queryset
        return queryset.filter(Q(category=value) | Q(category__parent=value))

    def filter_overdue(self, queryset, name, value):
        late = Q(overdue_at__isnull=False) | Q(status__in=OPEN_STATUSES, due_at__lte=timezone.now())
        if value == "yes":
            return queryset.filter(late)
        if value == "no":
            return queryset.exclude(late)
        return queryset

    def _day_start(self, day: datetime.date) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))

    def filter_since(self, queryset, name, value):
        return queryset.filter(submitted_at__gte=self._day_start(value)) if value else queryset

    def filter_until(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(submitted_at__lt=self._day_start(value + datetime.timedelta(days=1)))

    @property
    def active_filter_count(self) -> int:
        data = self.form.cleaned_data if self.form.is_bound and self.form.is_valid() else {}
        return sum(1 for key in self.filters if key != "q" and data.get(key) not in (None, "", []))
