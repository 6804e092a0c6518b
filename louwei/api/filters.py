"""Filters of the API's lists (django-filter); each narrows an access queryset, never widens it."""

from __future__ import annotations

import django_filters
from django import forms
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from louwei.buildings.models import Industry

from . import queries

ID_MIN, ID_MAX = 1, 2**63 - 1  # the ids a BigAutoField holds, on PostgreSQL and SQLite alike


class IdFilter(django_filters.NumberFilter):
    """An id: a whole number from 1 to 2^63-1. Anything else is a 400 for the parameter, never a number
    the database cannot hold (an OverflowError, a 500)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", ID_MIN)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(*args, **kwargs)


class FilterSet(django_filters.FilterSet):
    """The base of every filterset of the API. A number filter must be an :class:`IdFilter` (or bounded
    alike): an unbounded one is refused when the class is made, so no list can take a number its
    database cannot hold."""

    @classmethod
    def get_filters(cls):
        filters = super().get_filters()
        for name, filter_ in filters.items():
            if isinstance(filter_, django_filters.NumberFilter) and not isinstance(filter_, IdFilter):
                raise ImproperlyConfigured(f"{cls.__name__}.{name}: use IdFilter, a number filter with bounds.")
        return filters


class FloorFilter(FilterSet):
    building = django_filters.CharFilter(method="filter_building", label=_("Building code"))

    def filter_building(self, queryset, name, value):
        return queryset.filter(building__code=value.strip().upper())


class EnterpriseFilter(FilterSet):
    building = django_filters.CharFilter(method="filter_building", label=_("Building code"))
    floor = django_filters.CharFilter(method="filter_floor", label=_("Floor code"))
    industry = django_filters.ChoiceFilter(choices=Industry.choices, label=_("Industry"))

    def filter_building(self, queryset, name, value):
        return queries.enterprises_in_building(queryset, value)

    def filter_floor(self, queryset, name, value):
        return queries.enterprises_on_floor(queryset, value)


class FloorLeaderFilter(FilterSet):
    building = django_filters.CharFilter(method="filter_building", label=_("Building code"))
    floor = django_filters.CharFilter(method="filter_floor", label=_("Floor code"))

    def filter_building(self, queryset, name, value):
        return queryset.filter(floor__building__code=value.strip().upper())

    def filter_floor(self, queryset, name, value):
        return queryset.filter(floor__code=value.strip().upper())
