"""JSON and XML as GeoReport v2 writes them.

The XML is schemaless, without a namespace, UTF-8 with its declaration; a list is a plural element
holding singular ones (``services``/``service``, ``service_requests``/``request``, ``errors``/``error``,
``attributes``/``attribute``, ``values``/``value``, ``endpoints``/``endpoint``, ``formats``/``format``).
The JSON is the Spark-convention mapping of the same data: a list is a bare array, an empty value is
``null``. Date-times are W3C (ISO 8601 with the offset).
"""

from __future__ import annotations

import datetime
import json
import xml.etree.ElementTree as ET

from django.http import HttpResponse
from django.utils import timezone

from louwei.core.text import strip_controls

FORMATS = ("json", "xml")
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
MEDIA_TYPES = ["text/xml", "application/json"]  # as the discovery lists them

# The element of each item of a list, by the list's element.
ITEMS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}


def w3c(value: datetime.datetime | None) -> str | None:
    """``2026-11-29T10:00:00+08:00``: the time in the site's time zone, with its offset."""
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


def _text(value) -> str:
    """An element's text; without the characters XML 1.0 cannot hold, which an older row may carry."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        return w3c(value) or ""
    return strip_controls(str(value))


def _fill(element: ET.Element, value) -> None:
    if isinstance(value, dict):
        for name, child in value.items():
            _fill(ET.SubElement(element, name), child)
    elif isinstance(value, (list, tuple)):
        item_tag = ITEMS.get(element.tag, "item")
        for child in value:
            _fill(ET.SubElement(element, item_tag), child)
    else:
        element.text = _text(value)


def to_xml(root: str, data) -> bytes:
    element = ET.Element(root)
    _fill(element, data)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="utf-8")


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime.datetime):
        return w3c(value)
    if value == "":
        return None
    return value


def to_json(data) -> bytes:
    return json.dumps(_jsonable(data), ensure_ascii=False).encode("utf-8")


def render(fmt: str, root: str, data, status: int = 200) -> HttpResponse:
    """``data`` as ``fmt`` (json or xml); ``root`` names the XML root element (a list's plural)."""
    body = to_xml(root, data) if fmt == "xml" else to_json(data)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES.get(fmt, CONTENT_TYPES["json"]))


def errors(fmt: str, status: int, *descriptions: str) -> HttpResponse:
    """``[{"code": 400, "description": "…"}]`` / ``<errors><error>…`` with the matching HTTP status."""
    data = [{"code": status, "description": str(text)} for text in descriptions]
    return render(fmt if fmt in FORMATS else "json", "errors", data, status=status)
