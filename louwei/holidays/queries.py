"""What the official-calendar pages read."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from louwei import access
from louwei.access import Action
from louwei.core import workdays
from louwei.core.models import CalendarYear


@dataclass
class YearRow:
    year: int
    source: str | None  # workdays.ENTERED, workdays.PACKAGE or None (Monday to Friday)
    calendar: CalendarYear | None
    working_days: int

    @property
    def entered(self) -> bool:
        return self.source == workdays.ENTERED

    @property
    def from_package(self) -> bool:
        return self.source == workdays.PACKAGE

    @property
    def missing(self) -> bool:
        return self.source is None


def working_days_in(year: int) -> int:
    """How many working days ``year`` has on the calendar in use now."""
    return sum(workdays.is_working_day(day) for day in workdays.days_of(year))


def years(today: datetime.date | None = None) -> list[YearRow]:
    """Last year, this year, next year and every entered year, latest first (two queries)."""
    today = today or timezone.localdate()
    entered = {c.year: c for c in CalendarYear.objects.select_related("entered_by")}
    shown = sorted(set(entered) | {today.year - 1, today.year, today.year + 1}, reverse=True)
    return [YearRow(year, workdays.source_of(year), entered.get(year), working_days_in(year)) for year in shown]


def missing_for(user) -> list[int]:
    """The years whose calendar is missing and needed now (this year, and next year from
    1 December), for those who may enter them; nothing for everyone else."""
    if not access.can_nationwide(user, Action.CALENDAR_MANAGE):
        return []
    return workdays.missing_years()
