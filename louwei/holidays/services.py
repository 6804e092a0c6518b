"""Entering a year of China's official working-day calendar from the State Council's notice.

The kernel keeps the calendar (``louwei.core.models.CalendarYear`` and ``CalendarDay``, read by
``louwei.core.workdays``); this app is how people change it, on the page and with the
``calendar_year`` command, through the same two functions:

* :func:`plan_year` reads what was typed and checks it (``ValidationError`` with translated
  messages, keyed by field: ``year``, ``days_off``, ``working_days``, ``notice``) and says what the
  year would be: its holidays, make-up working days, working days per month, and the days that
  change against the calendar in use now. It writes nothing: it is the preview.
* :func:`save_year` asks ``louwei.access`` (CALENDAR_MANAGE, nationwide), plans, replaces the
  year's days in one transaction, writes one audit record and, on commit, drops this process's
  copy of the calendar and sends ``louwei.core.signals.calendar_changed`` (the cases app then
  recomputes the deadlines of its open cases in the background).

What is typed: one entry per line (make-up working days may also be separated by commas), a date
(``2027-01-01``) or a range (``2027-01-01..2027-01-03``, also with ``~`` or ``至``) and a name
before or after it (``元旦 2027-01-01..2027-01-03`` or ``2027-01-01..2027-01-03:元旦``). A day off
needs its holiday's name; a make-up working day may have one and must fall on a weekend.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from louwei import access
from louwei.access import Action
from louwei.core import signals, workdays
from louwei.core.audit import record
from louwei.core.models import CalendarDay, CalendarYear, DayKind
from louwei.core.text import normalise

#: The years that may be entered: none before the present holiday system, none further ahead than
#: the year after next (the State Council publishes a year's notice in the autumn before).
FIRST_YEAR = 2000
YEARS_AHEAD = 2
#: The most text a field takes, the longest name, and the longest run of days off in one entry.
TEXT_MAX = 4000
NOTICE_MAX = 100
NAME_MAX = 30
RANGE_MAX_DAYS = 15

_DATE = r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
_ENTRY = re.compile(rf"{_DATE}(?:\s*(?:\.\.|~|至|到)\s*{_DATE})?")
_NAME_EDGES = " \t:;,、-—–()[]"


def last_year() -> int:
    return timezone.localdate().year + YEARS_AHEAD


def check_year(year) -> int:
    """``year`` as an int in the years that may be entered (ValidationError keyed ``year``)."""
    try:
        value = int(str(year).strip())
    except (TypeError, ValueError):
        value = None
    if value is None or not FIRST_YEAR <= value <= last_year():
        raise ValidationError({"year": _("Enter a year from %(first)d to %(last)d.")
                               % {"first": FIRST_YEAR, "last": last_year()}}, code="year")
    return value


@dataclass
class Holiday:
    """A run of consecutive days with one name (a holiday, or make-up working days for it)."""

    name: str
    first: datetime.date
    last: datetime.date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def as_text(self) -> str:
        span = self.first.isoformat() if self.first == self.last else f"{self.first}..{self.last}"
        return f"{self.name} {span}".strip()


def runs(days: list[tuple[datetime.date, str]]) -> list[Holiday]:
    """Consecutive days with the same name, as runs (``days`` in any order)."""
    result: list[Holiday] = []
    for day, name in sorted(days):
        last = result[-1] if result else None
        if last is not None and last.name == name and last.last + datetime.timedelta(days=1) == day:
            last.last = day
        else:
            result.append(Holiday(name, day, day))
    return result


def as_text(days: list[tuple[datetime.date, str]]) -> str:
    """Days written back as the page's text: one run per line."""
    return "\n".join(run.as_text() for run in runs(days))


@dataclass
class Change:
    day: datetime.date
    working_now: bool  # in the calendar in use now
    working_then: bool  # once the year is saved


@dataclass
class YearPlan:
    """A year as typed, checked: what saving it would give."""

    year: int
    notice: str
    off: list[tuple[datetime.date, str]]
    work: list[tuple[datetime.date, str]]
    months: list[int] = field(default_factory=list)  # working days per month
    changes: list[Change] = field(default_factory=list)  # against the calendar in use now

    @property
    def holidays(self) -> list[Holiday]:
        return runs(self.off)

    @property
    def make_up_days(self) -> list[Holiday]:
        return runs(self.work)

    @property
    def working_days(self) -> int:
        return sum(self.months)

    @property
    def month_rows(self) -> list[tuple[datetime.date, int]]:
        return [(datetime.date(self.year, n, 1), count) for n, count in enumerate(self.months, start=1)]

    @property
    def fingerprint(self) -> str:
        """What the preview showed, so that a save can tell whether the text changed since."""
        text = "\n".join([str(self.year), self.notice, as_text(self.off), "--", as_text(self.work)])
        return hashlib.sha256(text.encode()).hexdigest()[:32]


def _day_label(day: datetime.date) -> str:
    return formats.date_format(day, "DATE_FORMAT")


def _weekday(day: datetime.date) -> str:
    return formats.date_format(day, "l")


def _parse(text: str, *, year: int, kind: str, errors: list[str]) -> list[tuple[datetime.date, str]]:
    """The (day, name) entries of one field; each problem is appended to ``errors``."""
    text = str(text or "")
    if len(text) > TEXT_MAX:
        errors.append(_("Write at most %(count)d characters.") % {"count": TEXT_MAX})
        return []
    separators = r"[\n;；]" if kind == DayKind.OFF else r"[\n;；,，、]"
    result: list[tuple[datetime.date, str]] = []
    for number, raw in enumerate(re.split(separators, text), start=1):
        line = normalise(raw)
        if not line:
            continue
        prefix = _("Entry %(number)d (“%(text)s”): ") % {"number": number, "text": line[:40]}
        found = list(_ENTRY.finditer(line))
        if len(found) != 1:
            errors.append(prefix + _("write one date as 2027-01-01, or one range as 2027-01-01..2027-01-03."))
            continue
        match = found[0]
        try:
            first = datetime.date(*(int(part) for part in match.group(1, 2, 3)))
            last = datetime.date(*(int(part) for part in match.group(4, 5, 6))) if match.group(4) else first
        except ValueError:
            errors.append(prefix + _("this is not a date of the calendar."))
            continue
        name = (line[:match.start()] + " " + line[match.end():]).strip(_NAME_EDGES).strip()
        name = " ".join(name.split())
        if first.year != year or last.year != year:
            errors.append(prefix + _("every day must be in %(year)d.") % {"year": year})
            continue
        if last < first:
            errors.append(prefix + _("the range ends before it starts."))
            continue
        if (last - first).days + 1 > RANGE_MAX_DAYS:
            errors.append(prefix + _("a run of days is at most %(count)d days long.") % {"count": RANGE_MAX_DAYS})
            continue
        if kind == DayKind.OFF and not name:
            errors.append(prefix + _("give the holiday's name, as in “元旦 2027-01-01..2027-01-03”."))
            continue
        if len(name) > NAME_MAX:
            errors.append(prefix + _("the name is longer than %(count)d characters.") % {"count": NAME_MAX})
            continue
        day = first
        while day <= last:
            result.append((day, name))
            day += datetime.timedelta(days=1)
    seen: set[datetime.date] = set()
    for day, _name in result:
        if day in seen:
            errors.append(_("%(day)s is listed twice.") % {"day": _day_label(day)})
        seen.add(day)
    return sorted(result)


def plan_year(*, year, days_off: str, working_days: str = "", notice: str = "") -> YearPlan:
    """Check a year as typed and say what it gives (writes nothing). ``ValidationError`` keyed
    ``year``, ``days_off``, ``working_days`` and ``notice``, with every problem found."""
    year = check_year(year)
    problems: dict[str, list[str]] = {}
    off_errors: list[str] = []
    work_errors: list[str] = []
    off = _parse(days_off, year=year, kind=DayKind.OFF, errors=off_errors)
    work = _parse(working_days, year=year, kind=DayKind.WORK, errors=work_errors)
    if not off and not off_errors:
        off_errors.append(_("List the year's days off, one holiday per line."))
    off_days = {day for day, _name in off}
    for day, _name in work:
        if day in off_days:
            work_errors.append(_("%(day)s is both a day off and a make-up working day.") % {"day": _day_label(day)})
        elif day.weekday() < 5:
            work_errors.append(_("%(day)s is a %(weekday)s: a make-up working day falls on a Saturday or a Sunday.")
                               % {"day": _day_label(day), "weekday": _weekday(day)})
    notice = normalise(notice)
    if not notice:
        problems["notice"] = [_("Give the reference of the State Council's notice (its document number).")]
    elif len(notice) > NOTICE_MAX:
        problems["notice"] = [_("Write at most %(count)d characters.") % {"count": NOTICE_MAX}]
    if off_errors:
        problems["days_off"] = off_errors
    if work_errors:
        problems["working_days"] = work_errors
    if problems:
        raise ValidationError(problems)
    work_days = {day for day, _name in work}
    plan = YearPlan(year=year, notice=notice, off=off, work=work,
                    months=workdays.working_days_per_month(year, off_days, work_days))
    then = workdays.EnteredYear(year, frozenset(off_days), frozenset(work_days))
    for day in workdays.days_of(year):
        if workdays.is_working_day(day) != then.is_working_day(day):
            plan.changes.append(Change(day, not then.is_working_day(day), then.is_working_day(day)))
    return plan


def current_text(year: int) -> tuple[str, str, str]:
    """The days off, make-up working days and notice of ``year`` as the page shows them: the year
    entered in the database, else the package's, else nothing."""
    calendar = CalendarYear.objects.filter(year=year).first()
    if calendar is not None:
        days = list(calendar.days.values_list("day", "kind", "name"))
        off = [(day, name) for day, kind, name in days if kind == DayKind.OFF]
        work = [(day, name) for day, kind, name in days if kind == DayKind.WORK]
        return as_text(off), as_text(work), calendar.notice
    off, work = workdays.package_year(year)
    return as_text(off), as_text(work), ""


def _locked_year(year: int) -> tuple[CalendarYear, bool]:
    """The year's row, locked for the rest of the transaction; created if missing (a concurrent
    first entry of the same year waits for ours and then finds it)."""
    calendar = CalendarYear.objects.select_for_update().filter(year=year).first()
    if calendar is not None:
        return calendar, False
    try:
        with transaction.atomic():
            return CalendarYear.objects.create(year=year, notice=""), True
    except IntegrityError:
        return CalendarYear.objects.select_for_update().get(year=year), False


def _iso(days) -> list[str]:
    return sorted(day.isoformat() for day in days)


@transaction.atomic
def save_year(*, actor, year, days_off: str, working_days: str = "", notice: str = "",
              via: str = "web") -> CalendarYear:
    """Enter or correct ``year`` (its days off, make-up working days and the notice's reference).

    ``actor`` a person who may (CALENDAR_MANAGE, nationwide: district staff, superusers), or
    ``access.SYSTEM``: a server operator at the shell (the ``calendar_year`` command without ``--user``).
    The year's days are replaced as a whole. Returns the saved year."""
    access.require_nationwide(actor, Action.CALENDAR_MANAGE)
    plan = plan_year(year=year, days_off=days_off, working_days=working_days, notice=notice)
    calendar, created = _locked_year(plan.year)
    before = {(day, kind) for day, kind in calendar.days.values_list("day", "kind")}
    after = {(day, DayKind.OFF) for day, _name in plan.off} | {(day, DayKind.WORK) for day, _name in plan.work}
    calendar.notice = plan.notice
    calendar.entered_by = actor if getattr(actor, "is_authenticated", False) else None
    calendar.entered_at = timezone.now()
    calendar.save()
    calendar.days.all().delete()
    CalendarDay.objects.bulk_create(
        [CalendarDay(calendar=calendar, day=day, kind=DayKind.OFF, name=name) for day, name in plan.off]
        + [CalendarDay(calendar=calendar, day=day, kind=DayKind.WORK, name=name) for day, name in plan.work]
    )
    record(
        actor, "calendar.year_entered" if created else "calendar.year_corrected", calendar, via=via,
        notice=plan.notice, days_off=len(plan.off), make_up_days=len(plan.work), working_days=plan.working_days,
        added=[f"{day} {kind}" for day, kind in sorted(after - before)],
        removed=[f"{day} {kind}" for day, kind in sorted(before - after)],
        changed_days=_iso(change.day for change in plan.changes),
    )
    transaction.on_commit(workdays.forget)
    if before != after or created:
        changed = plan.year
        transaction.on_commit(lambda: signals.calendar_changed.send(sender=CalendarYear, year=changed))
    return calendar
