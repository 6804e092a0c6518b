"""Health checks: what the staff health page shows, the kernel's own and those features register.

``/healthz`` stays a cheap public answer for load balancers (the database answers or not). The
staff health page (a face, ``louwei.home``) reads every section registered here. A feature
registers its own in its ``health.py`` module, which :func:`sections` discovers the way the admin
discovers ``admin.py``; the kernel never imports a feature::

    from louwei.core import health

    def _failures(buildings):
        return [health.Figure(_("Failed"), 3, health.WARN)]

    health.register("notifications", _("Notifications"), _failures, order=50)

A check is ``check(buildings) -> list[Figure]``. ``buildings`` is None when the reader may see the
whole installation, else a queryset of the buildings they may see: a feature counts only those.
A check that raises is shown as one failed figure; the page still answers.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

logger = logging.getLogger("louwei.health")

OK, INFO, WARN, DANGER = "ok", "info", "warn", "danger"
RECENT = datetime.timedelta(days=7)
LATE = datetime.timedelta(minutes=10)  # a task waiting longer: is a worker running?


@dataclass(frozen=True)
class Figure:
    label: Any
    value: Any
    state: str = OK
    note: Any = ""


@dataclass(frozen=True)
class Section:
    name: str
    title: Any
    figures: list[Figure]

    @property
    def state(self) -> str:
        states = {figure.state for figure in self.figures}
        return next((s for s in (DANGER, WARN) if s in states), OK)


@dataclass(frozen=True)
class Check:
    name: str
    title: Any
    func: Callable
    order: int


_checks: dict[str, Check] = {}
_discovered = False


def register(name: str, title, func: Callable, *, order: int = 100) -> None:
    _checks[name] = Check(name=name, title=title, func=func, order=order)


def sections(buildings=None) -> list[Section]:
    """Run every check; a check that fails shows as one failed figure."""
    global _discovered
    if not _discovered:
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("health")
        _discovered = True
    result = []
    for check in sorted(_checks.values(), key=lambda c: (c.order, c.name)):
        try:
            figures = list(check.func(buildings))
        except Exception as exc:  # noqa: BLE001 — the page reports the failure instead of failing
            logger.warning("Health check %s failed: %s", check.name, exc)
            figures = [Figure(pgettext_lazy("health", "Check failed"), type(exc).__name__, DANGER, str(exc)[:200])]
        result.append(Section(check.name, check.title, figures))
    return result


def since(delta: datetime.timedelta = RECENT) -> datetime.datetime:
    return timezone.now() - delta


def age(moment: datetime.datetime | None) -> datetime.timedelta | None:
    return None if moment is None else max(timezone.now() - moment, datetime.timedelta(0))


def waited(moment: datetime.datetime | None) -> str:
    """How long ago, in the reader's language ("3 minutes"), or a dash."""
    from django.utils.timesince import timesince

    return "—" if moment is None else timesince(moment)


def when(moment: datetime.datetime | None) -> str:
    from django.utils.formats import date_format

    return "—" if moment is None else date_format(timezone.localtime(moment), "DATETIME_FORMAT")


# ----------------------------------------------------------------------------------------------
# The kernel's checks


def _database(buildings) -> list[Figure]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return [Figure(pgettext_lazy("health", "Database"), connection.vendor, OK)]


def _caches(buildings) -> list[Figure]:
    """Each configured cache: a value written and read back."""
    from django.core.cache import caches
    from django.utils.crypto import get_random_string

    figures = []
    for alias, config in settings.CACHES.items():
        backend = config["BACKEND"].rsplit(".", 1)[-1]
        probe = get_random_string(12)
        try:
            cache = caches[alias]
            cache.set("louwei:health-probe", probe, 30)
            ok = cache.get("louwei:health-probe") == probe
        except Exception as exc:  # noqa: BLE001 — an unreachable cache is what this check reports
            figures.append(Figure(alias, backend, DANGER, f"{type(exc).__name__}: {exc}"[:200]))
            continue
        note = ""
        if hasattr(cache, "using_fallback") and cache.using_fallback():
            note, ok = _("Redis does not answer: the database cache stands in."), None
        figures.append(Figure(alias, backend, OK if ok else WARN if ok is None else DANGER, note))
    return figures


def _tasks(buildings) -> list[Figure]:
    """Per task backend: what waits, since when, what runs, and what was settled lately."""
    from django_tasks import task_backends
    from django_tasks_db.backend import DatabaseBackend

    figures = []
    # An RQ backend's outbox is shown with it: no worker takes from it.
    outboxes = {getattr(task_backends[alias], "outbox_alias", None) for alias in settings.TASKS}
    for alias in settings.TASKS:
        if alias in outboxes:
            continue
        backend = task_backends[alias]
        label = f"{alias} ({type(backend).__name__})"
        if isinstance(backend, DatabaseBackend):
            figures += _database_queue(alias, label)
        elif hasattr(backend, "queue_figures"):
            figures += backend.queue_figures(label)
        else:
            figures.append(Figure(label, _("runs tasks in the web process"), INFO))
    return figures


def _database_queue(alias: str, label: str) -> list[Figure]:
    from django.db.models import Count, Min, Q
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult, get_date_max

    from .tasks import SETTLED, class_path, stale_hours

    rows = DBTaskResult.objects.filter(backend_name=alias)
    # Waiting: due now (a task deferred to later is not late).
    due = Q(status=TaskResultStatus.READY) & (Q(run_after=get_date_max()) | Q(run_after__lte=timezone.now()))
    figures = rows.aggregate(
        waiting=Count("pk", filter=due),
        oldest=Min("enqueued_at", filter=due),
        running=Count("pk", filter=Q(status=TaskResultStatus.RUNNING)),
        settled=Count("pk", filter=Q(status=TaskResultStatus.FAILED, finished_at__gte=since(),
                                     exception_class_path__in=[class_path(c) for c in SETTLED])),
    )
    oldest = age(figures["oldest"])
    late = oldest is not None and oldest > LATE
    return [
        Figure(label, pgettext_lazy("task backend", "database"), INFO),
        Figure(_("Tasks waiting"), figures["waiting"], WARN if late else OK),
        Figure(_("Oldest waiting task"), waited(figures["oldest"]), WARN if late else OK,
               _("Is a worker running?") if late else ""),
        Figure(_("Tasks running"), figures["running"], OK),
        Figure(_("Stale tasks settled in the last 7 days"), figures["settled"], WARN if figures["settled"] else OK,
               _("Running longer than %(hours)s hours, or never picked up.") % {"hours": stale_hours()}),
    ]


def _periodic(buildings) -> list[Figure]:
    """Each periodic job: its last slot, and whether it is overdue (is the scheduler running?)."""
    from django.db.models import Max

    from . import periodic
    from .models import PeriodicRun

    jobs = periodic.jobs()
    last = dict(PeriodicRun.objects.filter(job__in=[j.name for j in jobs]).values_list("job").annotate(Max("slot")))
    now = timezone.now()
    figures = []
    for job in jobs:
        slot = last.get(job.name)
        # The latest slot whose grace window is over: it should have been claimed by now.
        expected = job.latest_slot(now - job.grace)
        behind = slot is None or slot < expected
        figures.append(Figure(
            job.name, when(slot), WARN if behind else OK,
            _("Missed its last run at %(slot)s: is the scheduler running?") % {
                "slot": timezone.localtime(expected).strftime("%Y-%m-%d %H:%M")} if behind else job.cron,
        ))
    return figures


register("database", pgettext_lazy("health", "Database"), _database, order=10)
register("cache", pgettext_lazy("health", "Cache"), _caches, order=20)
register("tasks", _("Background tasks"), _tasks, order=30)
register("periodic", _("Periodic jobs"), _periodic, order=40)
