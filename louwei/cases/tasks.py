"""Background tasks of cases, and their periodic job.

``cases.check_deadlines`` runs every 5 minutes: it reminds handlers before the deadline (催办),
marks overdue cases and escalates them to the committee secretaries and then the district, and
tells the committee of cases nobody responded to in time (``services.check_deadlines``; each step
happens once per case, so a slot run twice changes nothing the second time).

``cases.recompute_deadlines`` runs when a year of the official calendar is entered or corrected
(``louwei.core.signals.calendar_changed``): it moves the deadlines of the open cases that run over
that year (``services.recompute_deadlines``). It is enqueued twice: at once, and again once every
process has had time to see the new year (``LOUWEI_CALENDAR_CHECK_SECONDS`` and a margin), for the
cases raised meanwhile by a process that still counted with its old copy of the calendar.
"""

import datetime

from django.utils import timezone
from django_tasks import task

from louwei.core import periodic, workdays

#: How long after the interval of the calendar's check the second run comes.
RECOMPUTE_MARGIN = datetime.timedelta(seconds=30)


@task()
def check_deadlines() -> dict:
    from . import services

    return services.check_deadlines()


periodic.register("cases.check_deadlines", "*/5 * * * *", check_deadlines)


@task()
def recompute_deadlines(year: int) -> dict:
    from . import services

    return services.recompute_deadlines(year=year)


def calendar_changed(sender, year: int, **kwargs) -> None:
    """Receiver of ``louwei.core.signals.calendar_changed`` (sent on commit): never in the request."""
    recompute_deadlines.enqueue(year)
    if recompute_deadlines.get_backend().supports_defer:
        later = timezone.now() + datetime.timedelta(seconds=workdays.check_seconds()) + RECOMPUTE_MARGIN
        recompute_deadlines.using(run_after=later).enqueue(year)
