"""Raising a case: a visitor from the floor QR code, an app user, a floor leader on behalf; similar open cases."""

from django.http import HttpResponse


def visitor_raise(request, *args, **kwargs):
    return HttpResponse(status=501)


def visitor_done(request, *args, **kwargs):
    return HttpResponse(status=501)


def create(request, *args, **kwargs):
    return HttpResponse(status=501)


def similar(request, *args, **kwargs):
    return HttpResponse(status=501)


def support(request, *args, **kwargs):
    return HttpResponse(status=501)

