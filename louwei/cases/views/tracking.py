"""The visitor's private link: the public timeline, rating and adding information."""

from django.http import HttpResponse


def lookup(request, *args, **kwargs):
    return HttpResponse(status=501)


def detail(request, *args, **kwargs):
    return HttpResponse(status=501)


def rate(request, *args, **kwargs):
    return HttpResponse(status=501)


def add_information(request, *args, **kwargs):
    return HttpResponse(status=501)


def photo(request, *args, **kwargs):
    return HttpResponse(status=501)

