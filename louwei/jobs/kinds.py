"""The kinds of job, registered by the features that run them.

A feature registers its kinds in its own ``jobs`` module (found by ``JobsConfig.ready``)::

    from louwei.access import Action
    from louwei.jobs import kinds

    def export(job, progress):
        progress.stage(gettext("Reading the roster"))
        data = roster.export_roster(actor=job.owner, building=job.target)
        return kinds.Output(data, roster.export_filename(job.target), roster.XLSX_CONTENT_TYPE)

    kinds.register(
        "roster.export", label=gettext_lazy("Roster export"), action=Action.ROSTER_EXPORT, run=export,
        title=lambda building, params: gettext("Roster of %(name)s") % {"name": building.name},
        back_url=lambda job: reverse("buildings:enterprise_list", args=[job.target.code]),
    )

``action`` is the ``louwei.access`` action asked on the job's target when the job starts, when the
worker runs it, before its result is kept, and on every download: the same action the page asked
when the work ran inside the request. ``run(job, progress)`` does the work in the worker, in the
language of the person who asked, and returns an :class:`Output`; a ``ValidationError`` it raises
becomes the job's error, shown to that person. ``result_url(job)``, when given, is the page that
shows a finished job (the roster's preview); without it the job page offers the file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol


class Progress(Protocol):
    def __call__(self, done: int, total: int | None = None) -> None: ...

    def stage(self, text: str, total: int | None = None) -> None: ...


@dataclass
class Output:
    """What a job leaves: a file (bytes, the name it is downloaded under, its type) and/or data for
    its result page (JSON-serialisable)."""

    content: bytes | None = None
    filename: str = ""
    content_type: str = "application/octet-stream"
    data: Any = None


@dataclass(frozen=True)
class Kind:
    name: str
    label: Any  # lazy text: "Roster export"
    action: str  # a louwei.access Action, asked on the target
    run: Callable[[Any, Progress], Output]
    title: Callable[[Any, dict], str]  # (target, params) -> "Roster of 新城发展大厦B座"
    back_url: Callable[[Any], str] | None = None  # (job) -> the page the work was started from
    result_url: Callable[[Any], str] | None = None  # (job) -> the page that shows a finished job


_registry: dict[str, Kind] = {}


def register(name: str, *, label, action: str, run, title, back_url=None, result_url=None) -> Kind:
    """Register a kind of job. Registering the same name again replaces it (a module reloaded)."""
    from louwei.access import Action

    if not name or len(name) > 64:
        raise ValueError("a kind of job needs a name of 1 to 64 characters")
    if action not in Action.ALL:
        raise ValueError(f"kind of job {name!r}: unknown access action {action!r}")
    kind = Kind(name=name, label=label, action=action, run=run, title=title, back_url=back_url,
                result_url=result_url)
    _registry[name] = kind
    return kind


def unregister(name: str) -> None:
    _registry.pop(name, None)


def lookup(name: str) -> Kind:
    """The registered kind; ``LookupError`` for an unknown name (a programming error, or a job row
    left by a kind that no longer exists)."""
    try:
        return _registry[name]
    except KeyError:
        raise LookupError(f"unknown kind of job {name!r}; register it in the feature's jobs module") from None


def all_kinds() -> list[Kind]:
    return [_registry[name] for name in sorted(_registry)]
