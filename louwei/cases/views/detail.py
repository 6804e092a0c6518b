"""One case: its timeline and the forms of the actions the person may take."""

from django.http import HttpResponse


def detail(request, *args, **kwargs):
    return HttpResponse(status=501)


def act(request, *args, **kwargs):
    return HttpResponse(status=501)


def photo(request, *args, **kwargs):
    return HttpResponse(status=501)

