"""The lift-lobby posters as background jobs (``louwei.jobs``): a building's posters in one PDF,
and one floor's poster. WeasyPrint takes seconds for a building, so the worker makes the PDF in
the language of the person who asked, and the job page offers it when it is ready."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from louwei.access import Action
from louwei.jobs import kinds

from . import queries

BUILDING = "committee.posters"
FLOOR = "committee.floor_poster"
PDF = "application/pdf"


def _make(pages, progress) -> bytes:
    from . import posters  # WeasyPrint is loaded only where posters are made

    progress.stage(_("Preparing the posters"), len(pages))
    html = posters.poster_html(pages, progress)
    progress.stage(_("Laying out the pages"))
    return posters.write_pdf(html)


def _building_posters(job, progress) -> kinds.Output:
    from .posters import poster_filename

    building = job.target
    return kinds.Output(_make(queries.poster_pages(building), progress), poster_filename(building), PDF)


def _floor_poster(job, progress) -> kinds.Output:
    from .posters import poster_filename

    floor = job.target
    return kinds.Output(_make(queries.poster_pages(floor.building, floor), progress),
                        poster_filename(floor.building, floor), PDF)


def _manage(building) -> str:
    return reverse("committee:manage", args=[building.code])


kinds.register(
    BUILDING, label=gettext_lazy("Floor posters"), action=Action.POSTER_PRINT, run=_building_posters,
    title=lambda building, params: _("Floor posters of %(building)s (PDF)") % {"building": building.name},
    back_url=lambda job: _manage(job.target),
)
kinds.register(
    FLOOR, label=gettext_lazy("Floor poster"), action=Action.POSTER_PRINT, run=_floor_poster,
    title=lambda floor, params: _("Poster of floor %(floor)s, %(building)s (PDF)")
    % {"floor": floor.label, "building": floor.building.name},
    back_url=lambda job: _manage(job.target.building) + f"#floor-{job.target.number}",
)
