"""The web's one gate for characters no text may hold (``louwei.core.text.CONTROL_CHARACTERS``).

Every request passes here before anything reads it:

* a **path** holding one answers 404: no address of ours has one;
* a **query string** holding one answers 400: no link or form of ours makes one, so it is a
  mistake or a probe, and refusing it keeps it away from every lookup, search and filter;
* **form and JSON bodies** are stripped of them: a person may paste text from another program that
  carries one, and losing their description over an invisible character would help nobody. Uploaded
  files' names are stripped too;
* **headers** (cookies, ``Authorization``, ``X-Real-IP`` …) are stripped of them, so a session or
  token lookup never meets one.

The error pages are the site's own (``handler404``/``handler400``). A face with its own error format
(the REST API, Open311) registers it with :func:`register_error_format` for the paths it serves.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.urls import get_resolver
from django.utils import translation
from django.utils.translation import gettext as _

from .text import CONTROL_CHARACTERS, has_controls, strip_controls

ErrorFormat = Callable[[HttpRequest, int, str], HttpResponse]
_error_formats: list[tuple[str, ErrorFormat]] = []

JSON_TYPES = ("application/json", "+json")


def register_error_format(prefix: str, render: ErrorFormat) -> None:
    """Answer refused requests whose path starts with ``prefix`` with ``render(request, status,
    message)`` instead of the site's error page (e.g. the API's JSON error)."""
    _error_formats[:] = [(p, r) for p, r in _error_formats if p != prefix] + [(prefix, render)]
    _error_formats.sort(key=lambda item: -len(item[0]))


def error_format(request: HttpRequest) -> ErrorFormat | None:
    """The error format registered for ``request``'s path, if a face registered one."""
    for prefix, render in _error_formats:
        if request.path_info.startswith(prefix):
            return render
    return None


def _refuse(request: HttpRequest, status: int, message: str) -> HttpResponse:
    render = error_format(request)
    if render is not None:
        return render(request, status, message)
    # The site's own error page, rendered before the session and the login are known.
    request.user = AnonymousUser()
    translation.activate(translation.get_language_from_request(request))
    exception = Http404(message) if status == 404 else BadRequest(message)
    handler = get_resolver(getattr(request, "urlconf", None)).resolve_error_handler(status)
    return handler(request, exception)


def _clean_query_dict(data: QueryDict) -> QueryDict | None:
    """A cleaned copy of ``data``, or None when it holds nothing to clean."""
    if not any(has_controls(key) or any(has_controls(v) for v in values) for key, values in data.lists()):
        return None
    cleaned = QueryDict(mutable=True, encoding=data.encoding)
    for key, values in data.lists():
        cleaned.setlist(strip_controls(key), [strip_controls(v) for v in values])
    cleaned._mutable = False
    return cleaned


def _clean_json(value):
    if isinstance(value, str):
        return strip_controls(value)
    if isinstance(value, list):
        return [_clean_json(item) for item in value]
    if isinstance(value, dict):
        return {strip_controls(key): _clean_json(item) for key, item in value.items()}
    return value


def _clean_json_body(request: HttpRequest) -> None:
    body = request.body
    if not body:
        return
    try:
        text = body.decode(request.encoding or "utf-8")
    except (UnicodeDecodeError, LookupError):
        return  # the API's parser answers 400 for it
    if "\\u" not in text and not CONTROL_CHARACTERS.search(text):
        return  # nothing escaped, nothing raw: nothing to clean
    try:
        data = json.loads(text)
    except ValueError:
        return
    cleaned = json.dumps(_clean_json(data), ensure_ascii=False).encode("utf-8")
    request._body = cleaned
    request._stream = io.BytesIO(cleaned)
    request.META["CONTENT_LENGTH"] = str(len(cleaned))


class ControlCharactersMiddleware:
    """Refuses control characters in the path (404) and the query string (400); strips them from
    headers, form and JSON bodies and uploaded files' names. Put it right after the security and
    static-file middleware, before the session is read."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for key, value in list(request.META.items()):
            if key.startswith("HTTP_") and has_controls(value):
                request.META[key] = strip_controls(value)
        if has_controls(request.path_info) or has_controls(request.path):
            return _refuse(request, 404, _("This address does not exist."))
        if _clean_query_dict(request.GET) is not None:
            return _refuse(request, 400, _("The address holds characters that are not allowed."))
        if request.method in ("POST", "PUT", "PATCH"):
            content_type = request.content_type or ""
            if content_type.endswith(JSON_TYPES):
                _clean_json_body(request)
            elif request.method == "POST" and content_type in (
                "application/x-www-form-urlencoded", "multipart/form-data"
            ):
                cleaned = _clean_query_dict(request.POST)
                if cleaned is not None:
                    request.POST = cleaned
                for _field, uploads in request.FILES.lists():
                    for upload in uploads:
                        if has_controls(upload.name):
                            upload.name = strip_controls(upload.name)
        return self.get_response(request)
