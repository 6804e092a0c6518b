"""Every number of the cases' deadlines, in one place.

* ``deadlines_for(urgency, submitted_at)``: the time to respond by and the time to resolve by,
  from the :class:`~.models.DeadlineRule` of the urgency, on China's working calendar
  (``louwei.core.workdays``).
* The handler is reminded (催办) once :data:`REMINDER_AT` of the time from submission to the
  deadline has passed (80 %).
* A case still open at its deadline is overdue and escalated to the committee secretaries
  (level 1); :data:`DISTRICT_AFTER` later (one working day) it is escalated to the district (level 2).
* A closed case left unrated for :data:`RATING_WINDOW` (3 days) is due a follow-up call (回访),
  until :data:`FOLLOW_UP_WINDOW` (30 days) after closing: a call later than that asks about
  something the submitter no longer remembers, and the case simply stays unrated.
"""

from __future__ import annotations

import datetime

from louwei.core import workdays

from .models import Case, DeadlineRule, Urgency

#: Fraction of the time from submission to the deadline after which the handler is reminded.
REMINDER_AT = 0.8
#: How long after the deadline an overdue case goes to the district: (amount, unit) for workdays.add.
DISTRICT_AFTER = (1, workdays.WORKING_DAYS)
#: How long a closed case may stay unrated before staff should call the submitter.
RATING_WINDOW = datetime.timedelta(days=3)
FOLLOW_UP_WINDOW = datetime.timedelta(days=30)

#: Used when a rule row is missing (the migration seeds them; the configuration page edits them).
FALLBACK_RULES = {
    Urgency.URGENT: (2, workdays.HOURS, 24, workdays.HOURS),
    Urgency.UTILITIES: (4, workdays.WORKING_HOURS, 24, workdays.HOURS),
    Urgency.GENERAL: (1, workdays.WORKING_DAYS, 7, workdays.WORKING_DAYS),
    Urgency.COMPLEX: (1, workdays.WORKING_DAYS, 15, workdays.WORKING_DAYS),
}


def rule_for(urgency: str) -> tuple[int, str, int, str]:
    rule = DeadlineRule.objects.filter(urgency=urgency).first()
    if rule is None:
        if urgency not in FALLBACK_RULES:
            raise ValueError(f"unknown urgency {urgency!r}")
        return FALLBACK_RULES[urgency]
    return rule.respond_amount, rule.respond_unit, rule.resolve_amount, rule.resolve_unit


def deadlines_for(urgency: str, submitted_at: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime]:
    """``(respond_by, due_at)`` for a case of ``urgency`` submitted at ``submitted_at``.
    The response deadline never falls after the resolution deadline."""
    respond_amount, respond_unit, resolve_amount, resolve_unit = rule_for(urgency)
    respond_by = workdays.add(submitted_at, respond_amount, respond_unit)
    due_at = workdays.add(submitted_at, resolve_amount, resolve_unit)
    return min(respond_by, due_at), due_at


def reminder_at(case: Case) -> datetime.datetime:
    """When the handler is reminded: 80 % of the way from submission to the deadline."""
    return case.submitted_at + (case.due_at - case.submitted_at) * REMINDER_AT


def district_escalation_at(case: Case) -> datetime.datetime:
    """When an overdue case goes to the district: one working day after its deadline."""
    amount, unit = DISTRICT_AFTER
    return workdays.add(case.due_at, amount, unit)


def follow_up_due_at(case: Case) -> datetime.datetime | None:
    """When a closed, unrated case is due a follow-up call (None while open)."""
    if case.closed_at is None:
        return None
    return case.closed_at + RATING_WINDOW


def is_overdue(case: Case, now: datetime.datetime) -> bool:
    return case.is_open and case.due_at <= now
