"""Filters of the API's lists (django-filter); each narrows an access queryset, never widens it."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from louwei.buildings.models import Industry

from . import queries


class FloorFilter(django_filters.FilterSet):
    building = django_filters.CharFilter(method="filter_building", label=_("Building code"))

    def filter_building(self, queryset, name, value):
        return queryset.filter(building__code=value.strip().upper())


class EnterpriseFilter(django_filters.FilterSet):
    building = django_filters.CharFilter(method="filter_building", label=_("Building code"))
    floor = django_filters.CharFilter(method="filter_floor", label=_("Floor code"))
    industry = django_filters.ChoiceFilter(choices=Industry.choices, label=_("Industry"))

    def filter_building(self, queryset, name, value):
        return queries.enterprises_in_building(queryset, value)

    def filter_floor(self, queryset, name, value):
        return queries.enterprises_on_floor(queryset, value)


class FloorLeaderFilter(django_filters.FilterSet):
    building = django_filters.CharFilter(method="filter_building", label=_("Building code"))
    floor = django_filters.CharFilter(method="filter_floor", label=_("Floor code"))

    def filter_building(self, queryset, name, value):
        return queryset.filter(floor__building__code=value.strip().upper())

    def filter_floor(self, queryset, name, value):
        return queryset.filter(floor__code=value.strip().upper())
