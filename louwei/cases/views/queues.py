"""Each role's queue, a building's case list and its Excel export."""

from django.http import HttpResponse


def mine(request, *args, **kwargs):
    return HttpResponse(status=501)


def building(request, *args, **kwargs):
    return HttpResponse(status=501)


def building_export(request, *args, **kwargs):
    return HttpResponse(status=501)

