"""Categories, deadline rules, handlers and their staff."""

from django.http import HttpResponse


def index(request, *args, **kwargs):
    return HttpResponse(status=501)


def category_create(request, *args, **kwargs):
    return HttpResponse(status=501)


def category_edit(request, *args, **kwargs):
    return HttpResponse(status=501)


def deadline_edit(request, *args, **kwargs):
    return HttpResponse(status=501)


def building_handlers(request, *args, **kwargs):
    return HttpResponse(status=501)


def district_handlers(request, *args, **kwargs):
    return HttpResponse(status=501)


def handler_create(request, *args, **kwargs):
    return HttpResponse(status=501)


def handler_edit(request, *args, **kwargs):
    return HttpResponse(status=501)


def member_add(request, *args, **kwargs):
    return HttpResponse(status=501)


def member_end(request, *args, **kwargs):
    return HttpResponse(status=501)

