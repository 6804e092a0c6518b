"""Every change to a case, one function per user action (CONTRACT: signatures fixed; bodies by the services work).

Each function: keyword-only ``actor`` (a User, or None for a visitor / the system), runs in
``transaction.atomic``, locks the case row (``select_for_update``), checks the transition against
``models.TRANSITIONS`` (``IllegalTransition`` otherwise) and the actor's permission
(``PermissionDenied`` otherwise; ``louwei.cases.permissions``), validates input
(``ValidationError`` with translated messages, keyed by field where a form can show them), writes
the :class:`CaseEvent`, updates the figures (``figures.snapshot`` / ``figures.record_change``),
writes one audit record and sends notifications on commit (``louwei.cases.notify``).
Each returns the changed case (or what its docstring says).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from .models import Case, CaseEvent, Category, DeadlineRule, Handler, HandlerMember


class IllegalTransition(ValidationError):
    """The action is not allowed from the case's current status (a 409 for the API)."""


@dataclass
class Visitor:
    """Who a person without an account says they are (all optional) and where they came from.

    ``address`` and ``device`` are used only for the rate limit, never stored on the case."""

    name: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    device: str = ""


@dataclass
class Raised:
    """What ``raise_case`` returns: the case, and for a visitor the private link's token (shown once)."""

    case: Case
    token: str = ""
    extra: dict = field(default_factory=dict)


# --- Raising --------------------------------------------------------------------------------


def raise_case(
    *, actor, floor, category: Category, description: str, channel: str, enterprise=None,
    urgency: str | None = None, visitor: Visitor | None = None, photos=(), source: str = "",
    submitted_at: datetime.datetime | None = None,
) -> Raised:
    """Raise a case on ``floor``.

    * ``actor`` a person with an account (channel ``app``; ``enterprise`` defaults to theirs on that floor),
    * ``actor`` a floor leader / committee / property staff raising on an enterprise's behalf
      (``channel`` in ``ON_BEHALF_CHANNELS``; needs CASE_RAISE_FOR on the floor; ``enterprise`` required),
    * ``actor=None`` with ``visitor`` (channel ``qr``): gets a tracking token,
    * ``actor=None`` with ``source`` (channel ``open311`` / ``api``: a client system).

    Deadlines come from the category's urgency (or ``urgency``) through ``louwei.core.workdays``.
    ``submitted_at`` (default now) exists for the demo and imports only. The floor's serving leader
    is recorded in ``leader`` and told (``case.new``)."""
    raise NotImplementedError


def support_case(*, actor, case: Case, text: str = "", visitor: Visitor | None = None) -> Case:
    """Someone with the same request adds to an open case instead of raising another (附议):
    a ``supported`` event and ``supporter_count + 1``."""
    raise NotImplementedError


# --- The floor leader ------------------------------------------------------------------------


def answer(*, actor, case: Case, text: str, photos=()) -> Case:
    """The floor leader answers on the spot: submitted → closed (responded, replied and closed now);
    the submitter is asked to rate."""
    raise NotImplementedError


def pass_on(*, actor, case: Case, note: str = "") -> Case:
    """The floor leader passes the case to the committee: submitted → referred (this is the response)."""
    raise NotImplementedError


# --- The committee ---------------------------------------------------------------------------


def accept(*, actor, case: Case, urgency: str | None = None, handler: Handler | None = None,
           note: str = "") -> Case:
    """立案: submitted|referred → accepted; with ``handler``, dispatched at once (one event each).
    A new ``urgency`` recomputes the deadlines from the time of submission."""
    raise NotImplementedError


def decline(*, actor, case: Case, reason: str, text: str) -> Case:
    """Decline with a public reason (``DeclineReason.OUT_OF_SCOPE`` or ``INSUFFICIENT``; a duplicate
    goes through ``merge``): → declined."""
    raise NotImplementedError


def merge(*, actor, case: Case, into: Case, text: str = "") -> Case:
    """A duplicate: → merged into ``into`` (an open or closed case of the same building, not itself
    merged); ``into.supporter_count`` grows; the submitter follows the original."""
    raise NotImplementedError


def dispatch(*, actor, case: Case, handler: Handler, note: str = "") -> Case:
    """accepted → dispatched to ``handler`` (a handler of the case's building or its district)."""
    raise NotImplementedError


def reassign(*, actor, case: Case, handler: Handler, reason: str) -> Case:
    """dispatched → dispatched to another handler, with the reason on the timeline."""
    raise NotImplementedError


def reply(*, actor, case: Case, text: str, photos=()) -> Case:
    """The handler's staff (or the committee for it) report back: dispatched → replied."""
    raise NotImplementedError


def return_reply(*, actor, case: Case, reason: str) -> Case:
    """Verification failed: replied → dispatched, back to the same handler."""
    raise NotImplementedError


def close(*, actor, case: Case, text: str = "") -> Case:
    """Verified and closed (核查结案): replied → closed; the submitter is asked to rate."""
    raise NotImplementedError


def add_note(*, actor, case: Case, text: str, public: bool = False) -> CaseEvent:
    """A public reply or an internal note on the timeline, without changing the status. Anyone who
    may act on the case may write one; the submitter may add public information while it is open."""
    raise NotImplementedError


# --- The submitter's rating and the follow-up call --------------------------------------------


def rate(*, actor, case: Case, rating: str, comment: str = "", token: str = "") -> Case:
    """The submitter rates a closed case (their account, or ``token`` of the private link).
    Dissatisfied needs a comment and reopens the case (→ dispatched to its handler, or referred)."""
    raise NotImplementedError


def record_follow_up(*, actor, case: Case, reached: bool, rating: str = "", comment: str = "") -> Case:
    """回访: staff called the submitter. Reached: records the rating like ``rate`` (source follow-up,
    dissatisfied reopens). Not reached: an event only."""
    raise NotImplementedError


# --- Deadlines (the periodic task calls this) -------------------------------------------------


def check_deadlines(*, now: datetime.datetime | None = None) -> dict:
    """Remind handlers before the deadline (催办, once), mark overdue cases (once), escalate overdue
    ones to the committee secretary and, later, to the district. Returns counts per step.
    Idempotent: running it twice at the same time changes nothing the second time."""
    raise NotImplementedError


# --- Configuration (categories, deadlines, handlers and their staff) ---------------------------


def save_category(*, actor, category: Category | None = None, **fields) -> Category:
    raise NotImplementedError


def save_deadline_rule(*, actor, rule: DeadlineRule, **fields) -> DeadlineRule:
    raise NotImplementedError


def save_handler(*, actor, handler: Handler | None = None, building=None, party_committee=None,
                 **fields) -> Handler:
    """Create or edit a handler of a building (CASE_CONFIGURE on it) or of a district."""
    raise NotImplementedError


def add_handler_member(*, actor, handler: Handler, user, is_manager: bool = False) -> HandlerMember:
    raise NotImplementedError


def end_handler_member(*, actor, member: HandlerMember) -> HandlerMember:
    raise NotImplementedError
