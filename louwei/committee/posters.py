"""Printable A4 posters for the lift lobby of each floor (PDF, made with WeasyPrint).

The Chinese font is the bundled Noto Sans SC subset in ``louwei/static/fonts``; WeasyPrint embeds the
glyphs used, so the PDF prints the same everywhere. The QR code points at the public floor page.
The renderer fetches nothing but those font files and ``data:`` URIs (photos and the QR code are
inlined), so a poster never reaches the network.
"""

from __future__ import annotations

import base64
from pathlib import Path

import segno
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from louwei.buildings.models import Building, Floor

from . import queries
from .templatetags.committee_tags import public_name

FONT_FILES = {
    "regular": "fonts/NotoSansSC-Regular-GB2312.woff2",
    "bold": "fonts/NotoSansSC-Bold-GB2312.woff2",
}


def font_path(name: str) -> Path:
    found = finders.find(FONT_FILES[name])
    if not found:
        raise FileNotFoundError(FONT_FILES[name])
    return Path(found).resolve()


class PosterFetcher(URLFetcher):
    """Fetch only the bundled fonts and inline data; refuse every other URL (no network, no other files)."""

    def __init__(self):
        super().__init__(allowed_protocols={"file", "data"}, fail_on_errors=False)
        self.allowed_files = {font_path(name).as_uri() for name in FONT_FILES}

    def fetch(self, url, headers=None):
        if url.startswith("file:") and url.split("?")[0] not in self.allowed_files:
            raise ValueError(f"poster may not read {url}")
        return super().fetch(url, headers)


def floor_page_url(floor: Floor) -> str:
    return settings.SITE_URL + reverse("committee:floor_page", args=[floor.code])


def qr_data_uri(url: str) -> str:
    return segno.make(url, error="m", micro=False).svg_data_uri(border=3, dark="#1a1a1a", light="#ffffff")


def photo_data_uri(leader) -> str:
    """The leader's photo inlined as a data URI, or "" when there is none (or the file is missing)."""
    if leader is None or not leader.photo:
        return ""
    try:
        with leader.photo.open("rb") as fh:
            data = fh.read()
    except (OSError, ValueError):
        return ""
    mime = "image/png" if data[:8] == b"\x89PNG\r\n\x1a\n" else "image/webp" if data[8:12] == b"WEBP" else "image/jpeg"
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def name_size(name: str) -> str:
    """A type size class that keeps the leader's name on one line (CJK characters count double)."""
    width = sum(0.55 if ch.isascii() else 1 for ch in name)
    if width <= 5:
        return "name-l"
    if width <= 7:
        return "name-m"
    if width <= 9:
        return "name-s"
    return "name-xs"


def poster_context(pages: list[queries.FloorPage], progress=None) -> dict:
    """The template's context; ``progress(done, total)``, when given, is told of each floor prepared."""
    posters = []
    for done, page in enumerate(pages, start=1):
        url = floor_page_url(page.floor)
        posters.append({
            "page": page,
            "floor": page.floor,
            "leader": page.leader,
            "name_size": name_size(public_name(page.leader.user)) if page.leader else "",
            "photo": photo_data_uri(page.leader),
            "qr": qr_data_uri(url),
            "url": url,
        })
        if progress is not None:
            progress(done, len(pages))
    building = pages[0].building if pages else None
    return {
        "posters": posters,
        "building": building,
        "committee": pages[0].committee if pages else None,
        "centre": pages[0].centre if pages else None,
        "term": pages[0].term if pages else None,
        "is_chinese": (get_language() or "").startswith("zh"),
        "font_regular": font_path("regular").as_uri(),
        "font_bold": font_path("bold").as_uri(),
    }


def poster_html(pages: list[queries.FloorPage], progress=None) -> str:
    """The HTML of one A4 page per floor in ``pages``, in the active language."""
    return render_to_string("committee/poster.html", poster_context(pages, progress))


def write_pdf(html: str) -> bytes:
    """Lay out and write the posters' HTML as a PDF (the slow part: seconds for a building)."""
    return HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=PosterFetcher()).write_pdf()


def render_pdf(pages: list[queries.FloorPage]) -> bytes:
    """One A4 page per floor in ``pages``, in the active language."""
    return write_pdf(poster_html(pages))


def floor_poster(floor: Floor) -> bytes:
    return render_pdf(queries.poster_pages(floor.building, floor))


def building_posters(building: Building) -> bytes:
    return render_pdf(queries.poster_pages(building))


def poster_filename(building: Building, floor: Floor | None = None) -> str:
    """An ASCII file name (codes are capitals, digits and hyphens): ``posters-XCFZ-B.pdf``, ``poster-XCFZ-B-05.pdf``."""
    if floor is not None:
        return f"poster-{floor.code}.pdf"
    return f"posters-{building.code}.pdf"
