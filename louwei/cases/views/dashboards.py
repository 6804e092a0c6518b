"""The rates, by building and by district, with ECharts, and their Excel export."""

from django.http import HttpResponse


def building(request, *args, **kwargs):
    return HttpResponse(status=501)


def building_export(request, *args, **kwargs):
    return HttpResponse(status=501)


def district(request, *args, **kwargs):
    return HttpResponse(status=501)


def district_export(request, *args, **kwargs):
    return HttpResponse(status=501)

