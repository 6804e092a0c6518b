"""Every change to a case, one function per user action.

Each function: keyword-only ``actor`` (a User, or None for a visitor / the system), runs in
``transaction.atomic``, locks the case row (``select_for_update``), checks the actor's permission
(``PermissionDenied`` otherwise; ``louwei.cases.permissions``; asked first, so that someone who may
not act learns nothing of the case's status) and the transition against ``models.TRANSITIONS``
(``IllegalTransition`` otherwise), validates input (``ValidationError`` with translated messages,
keyed by field where a form can show them), writes the :class:`CaseEvent`, updates the figures
(``figures.snapshot`` / ``figures.record_change``), writes one audit record and sends
notifications on commit (``louwei.cases.notify``).
Each returns the changed case (or what its docstring says).

Times of the steps: ``responded_at`` is the first response by anyone on duty (answer, pass on,
accept, decline, merge, or a reply by the committee itself); ``first_closed_at`` is kept when a
case is reopened, ``closed_at`` is the latest closing. Photos are checked and re-encoded by
``louwei.cases.photos``; files written by a change that fails are deleted again.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import formats, timezone
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from louwei.accounts.models import Role, RoleKind
from louwei.buildings.models import Occupancy
from louwei.core.uploads import removes_files_on_failure
from louwei.core import workdays
from louwei.core.audit import record
from louwei.core.text import normalise
from louwei.core.validators import normalise_phone, validate_phone

from . import deadlines, figures, notify, permissions, tracking
from . import photos as case_photos
from .models import (
    ON_BEHALF_CHANNELS,
    OPEN_STATUSES,
    Case,
    CaseEvent,
    Category,
    Channel,
    DeadlineRule,
    DeadlineUnit,
    DeclineReason,
    EventKind,
    Handler,
    HandlerMember,
    NumberSequence,
    Rating,
    RatingSource,
    Status,
    Urgency,
)


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


#: The name of each action, for buttons, messages and the API's errors.
ACTION_LABELS = {
    "answer": pgettext_lazy("case action", "Answer"),
    "pass_on": pgettext_lazy("case action", "Pass to the committee"),
    "accept": pgettext_lazy("case action", "Accept"),
    "decline": pgettext_lazy("case action", "Decline"),
    "merge": pgettext_lazy("case action", "Merge as a duplicate"),
    "dispatch": pgettext_lazy("case action", "Dispatch"),
    "reassign": pgettext_lazy("case action", "Reassign"),
    "reply": pgettext_lazy("case action", "Reply"),
    "return_reply": pgettext_lazy("case action", "Return the reply"),
    "close": pgettext_lazy("case action", "Verify and close"),
    "rate": pgettext_lazy("case action", "Rate"),
    "follow_up": pgettext_lazy("case action", "Record a follow-up call"),
    "reopen": pgettext_lazy("case action", "Reopen"),
    "note": pgettext_lazy("case action", "Internal note"),
    "public_note": pgettext_lazy("case action", "Public reply"),
    "support": pgettext_lazy("case action", "I have the same request"),
}

DESCRIPTION_MIN = 5
TEXT_MAX = 2000
COMMENT_MAX = 500


# --- Helpers --------------------------------------------------------------------------------


def _person(actor):
    """The actor as a user to store, or None (visitors, client systems, the periodic job)."""
    if actor is not None and getattr(actor, "is_authenticated", False):
        return actor
    return None


def _clean_text(value, *, field: str, required: bool = True, minimum: int = 1, maximum: int = TEXT_MAX,
                message: str | None = None) -> str:
    """Tidy the spaces of each line and keep the paragraphs (Chinese punctuation is left as written:
    NFKC would turn "，" into ","); check the length of the text as ``louwei.core.text.normalise``
    reads it."""
    lines = [" ".join(line.replace("\u200b", "").split()) for line in str(value or "").splitlines()]
    paragraphs: list[str] = []
    for line in lines:
        if line or (paragraphs and paragraphs[-1]):
            paragraphs.append(line)
    text = "\n".join(paragraphs).strip()
    flat = normalise(text)
    if not flat:
        if required:
            raise ValidationError({field: message or _("Please write something here.")}, code="required")
        return ""
    if len(flat) < minimum:
        raise ValidationError({field: _("Please write at least %(count)d characters.") % {"count": minimum}},
                              code="too_short")
    if len(text) > maximum:
        raise ValidationError({field: _("Please write at most %(count)d characters.") % {"count": maximum}},
                              code="too_long")
    return text


def _lock(case: Case) -> Case:
    """The case's row, locked for the rest of the transaction, read afresh."""
    return (Case.objects.select_for_update(of=("self",))
            .select_related("building", "floor", "category", "handler").get(pk=case.pk))


def _illegal(action: str, case: Case) -> IllegalTransition:
    return IllegalTransition(
        _("“%(action)s” is not possible while the case is “%(status)s”.")
        % {"action": ACTION_LABELS.get(action, action), "status": case.get_status_display()},
        code="illegal_transition", params={"action": action, "status": case.status},
    )


def _check(actor, action: str, case: Case, *, token: str = "") -> None:
    """Permission first (PermissionDenied), then the status (IllegalTransition)."""
    actions = permissions.role_actions(actor, case, token=token)
    if action not in actions:
        raise PermissionDenied(action)
    if not permissions.status_allows(action, case, staff="note" in actions):
        raise _illegal(action, case)


def _event(case: Case, kind: str, *, actor=None, actor_name: str = "", text: str = "", public: bool = True,
           data: dict | None = None, at: datetime.datetime | None = None) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case, kind=kind, actor=_person(actor), actor_name=actor_name[:100], is_public=public, text=text,
        data=data or {}, created_at=at or timezone.now(),
    )


def _move(case: Case, to: str) -> dict:
    """Change the status; the event data of the move."""
    data = {"from": case.status, "to": to}
    case.status = to
    return data


def _responded(case: Case, now) -> None:
    if case.responded_at is None:
        case.responded_at = now


def _on_commit(function, *args, **kwargs) -> None:
    transaction.on_commit(lambda: function(*args, **kwargs))


def _actor_id(actor):
    person = _person(actor)
    return person.pk if person is not None else None


# --- Raising --------------------------------------------------------------------------------


def _own_enterprises(user):
    """The enterprises ``user`` works for (enterprise contact or employee roles)."""
    return Role.objects.active().filter(
        user=user, kind__in=[RoleKind.ENTERPRISE_CONTACT, RoleKind.EMPLOYEE]
    ).values("enterprise_id")


def _enterprise_on(floor, enterprises):
    """The first of ``enterprises`` (ids subquery) on ``floor``, else in its building, else None."""
    current = Occupancy.objects.current().filter(enterprise_id__in=enterprises)
    on_floor = current.filter(unit__floor=floor).select_related("enterprise").first()
    if on_floor is not None:
        return on_floor.enterprise
    in_building = current.filter(unit__floor__building_id=floor.building_id).select_related("enterprise").first()
    return in_building.enterprise if in_building is not None else None


def _in_building(enterprise, building) -> bool:
    return Occupancy.objects.current().filter(enterprise=enterprise, unit__floor__building=building).exists()


def next_number(at: datetime.datetime) -> str:
    """The next tracking number of the (local) day of ``at``: ``20261129-0007``. The day's counter
    row is locked, so concurrent raises queue up (PostgreSQL) or are serialised (SQLite)."""
    day = timezone.localtime(at).date()
    sequence, _created = NumberSequence.objects.select_for_update().get_or_create(day=day)
    while True:
        sequence.last += 1
        number = f"{day:%Y%m%d}-{sequence.last:04d}"
        if not Case.objects.filter(number=number).exists():  # numbers written by an import stay theirs
            break
    sequence.save(update_fields=["last"])
    return number


def _clean_visitor(visitor: Visitor | None) -> tuple[str, str, str]:
    if visitor is None:
        return "", "", ""
    name = normalise(visitor.name)
    if len(name) > 64:
        raise ValidationError({"name": _("Please write at most %(count)d characters.") % {"count": 64}})
    phone = normalise(visitor.phone)
    if phone:
        try:
            validate_phone(phone)
        except ValidationError as error:
            raise ValidationError({"phone": error.messages}) from None
        phone = normalise_phone(phone)
    email = normalise(visitor.email)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError({"email": _("Enter a valid e-mail address.")}) from None
    return name, phone, email


@removes_files_on_failure
@transaction.atomic
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
    is recorded in ``leader`` and told (``case.new``).

    A person with an account may also use channel ``qr`` or ``api``; the contact ``visitor`` given
    with an on-behalf raise records whom to call back. Photos are attached to the case itself."""
    from louwei.committee.queries import serving_leader

    person = _person(actor)
    source = normalise(source)[:100]
    if channel not in Channel.values:
        raise ValidationError({"channel": _("Choose how the case came in.")})
    submitted_by = raised_by = None
    if person is not None:
        if channel in ON_BEHALF_CHANNELS:
            if not permissions.may_raise_for(person, floor):
                raise PermissionDenied("case.raise_for")
            raised_by = person
        elif channel in (Channel.APP, Channel.QR, Channel.API):
            submitted_by = person
        else:
            raise ValidationError({"channel": _("Choose how the case came in.")})
    elif source:
        if channel not in (Channel.OPEN311, Channel.API):
            raise ValidationError({"channel": _("A client system raises cases through Open311 or the API.")})
    elif visitor is not None:
        if channel != Channel.QR:
            raise ValidationError({"channel": _("A visitor raises cases from the floor's QR code.")})
    else:
        raise PermissionDenied("case.raise")

    errors: dict[str, list] = {}

    def collect(callable_, *args, **kwargs):
        try:
            return callable_(*args, **kwargs)
        except ValidationError as error:
            for key, messages in error.message_dict.items():
                errors.setdefault(key, []).extend(messages)
            return None

    text = collect(_clean_text, description, field="description", minimum=DESCRIPTION_MIN,
                   message=_("Please describe the request."))
    contact = collect(_clean_visitor, visitor) or ("", "", "")
    if category is None or not category.is_active:
        errors.setdefault("category", []).append(_("Choose a category."))
    urgency = urgency or (category.urgency if category is not None else "")
    if urgency not in Urgency.values:
        errors.setdefault("urgency", []).append(_("Choose an urgency."))
    building = floor.building
    if raised_by is not None and enterprise is None:
        errors.setdefault("enterprise", []).append(_("Choose the enterprise the case is raised for."))
    if submitted_by is not None:
        own = _own_enterprises(submitted_by)
        if enterprise is None:
            enterprise = _enterprise_on(floor, own)
        elif not (own.filter(enterprise_id=enterprise.pk).exists() or permissions.may_raise_for(submitted_by, floor)):
            errors.setdefault("enterprise", []).append(_("You may only raise cases for your own enterprise."))
    if enterprise is not None and not _in_building(enterprise, building):
        errors.setdefault("enterprise", []).append(_("The enterprise is not in this building."))
    files = collect(case_photos.prepare_all, photos)
    if errors:
        raise ValidationError(errors)

    name, phone, email = contact
    if submitted_by is not None:
        name = name or submitted_by.name
        phone = phone or (submitted_by.phone or "")
        email = email or submitted_by.email
    now = timezone.now()
    submitted_at = submitted_at or now
    respond_by, due_at = deadlines.deadlines_for(urgency, submitted_at)
    serving = serving_leader(floor)
    case = Case(
        building=building, floor=floor, enterprise=enterprise, category=category, urgency=urgency,
        description=text, channel=channel, submitted_by=submitted_by, raised_by=raised_by,
        submitter_name=name, submitter_phone=phone, submitter_email=email, source=source,
        leader_id=serving.user_id if serving is not None else None, status=Status.SUBMITTED,
        submitted_at=submitted_at, respond_by=respond_by, due_at=due_at,
    )
    case.number = next_number(submitted_at)
    token = ""
    if person is None and not source:
        token, case.tracking_hash = tracking.new_token()
    case.save()
    actor_name = "" if person is not None else (source or name)
    _event(case, EventKind.SUBMITTED, actor=person, actor_name=actor_name, at=submitted_at,
           data={"to": Status.SUBMITTED, "channel": channel, "enterprise": case.enterprise_id})
    case_photos.attach(case, files or [])
    figures.record_change(None, case)
    record(actor, "case.raised", case, floor=floor.code, category=category.code, urgency=urgency, channel=channel,
           enterprise=case.enterprise_id, on_behalf=raised_by is not None, source=source, photos=len(files or []))
    _on_commit(notify.raised, case)
    return Raised(case=case, token=token)


@transaction.atomic
def support_case(*, actor, case: Case, text: str = "", visitor: Visitor | None = None) -> Case:
    """Someone with the same request adds to an open case instead of raising another (附议):
    a ``supported`` event and ``supporter_count + 1``."""
    case = _lock(case)
    if not case.is_open:
        raise _illegal("support", case)
    person = _person(actor)
    if person is None and visitor is None:
        raise PermissionDenied("case.support")
    text = _clean_text(text, field="text", required=False)
    name = ""
    if person is not None:
        if person.pk in (case.submitted_by_id, case.raised_by_id):
            raise ValidationError(_("This is your own case."), code="own_case")
        if case.events.filter(kind=EventKind.SUPPORTED, actor=person).exists():
            raise ValidationError(_("You have already added your name to this case."), code="already_supported")
    else:
        name = _clean_visitor(visitor)[0]
    before = figures.snapshot(case)
    case.supporter_count += 1
    case.save()
    _event(case, EventKind.SUPPORTED, actor=person, actor_name=name, text=text,
           data={"supporters": case.supporter_count})
    figures.record_change(before, case)
    record(actor, "case.supported", case, supporters=case.supporter_count)
    return case


# --- The floor leader ------------------------------------------------------------------------


@removes_files_on_failure
@transaction.atomic
def answer(*, actor, case: Case, text: str, photos=()) -> Case:
    """The floor leader answers on the spot: submitted → closed (responded, replied and closed now);
    the submitter is asked to rate."""
    case = _lock(case)
    _check(actor, "answer", case)
    text = _clean_text(text, field="text", message=_("Write the answer."))
    files = case_photos.prepare_all(photos)
    before = figures.snapshot(case)
    now = timezone.now()
    move = _move(case, Status.CLOSED)
    _responded(case, now)
    case.replied_at = case.closed_at = now
    case.first_closed_at = case.first_closed_at or now
    case.save()
    event = _event(case, EventKind.ANSWERED, actor=actor, text=text, data=move)
    case_photos.attach(case, files, event=event)
    figures.record_change(before, case)
    record(actor, "case.answered", case, photos=len(files))
    _on_commit(notify.update, case, key=f"case:{case.pk}:event:{event.pk}",
               title=_("Your case %(number)s is answered; please rate it.") % {"number": case.number}, body=text)
    return case


@transaction.atomic
def pass_on(*, actor, case: Case, note: str = "") -> Case:
    """The floor leader passes the case to the committee: submitted → referred (this is the response).
    The note is for the committee (an internal note)."""
    case = _lock(case)
    _check(actor, "pass_on", case)
    note = _clean_text(note, field="note", required=False)
    before = figures.snapshot(case)
    move = _move(case, Status.REFERRED)
    _responded(case, timezone.now())
    case.save()
    event = _event(case, EventKind.PASSED_ON, actor=actor, data=move)
    if note:
        _event(case, EventKind.NOTE, actor=actor, text=note, public=False)
    figures.record_change(before, case)
    record(actor, "case.passed_on", case, note=bool(note))
    _on_commit(notify.passed_on, case, key=f"case:{case.pk}:event:{event.pk}")
    return case


# --- The committee ---------------------------------------------------------------------------


def _check_handler(case: Case, handler: Handler | None) -> Handler:
    if handler is None or not permissions.dispatchable_handlers(case).filter(pk=handler.pk).exists():
        raise ValidationError({"handler": _("Choose an active handler of this building or its district.")})
    return handler


def _dispatch(case: Case, handler: Handler, *, actor, now) -> CaseEvent:
    """accepted → dispatched (the case is locked and its figures snapshotted by the caller)."""
    move = _move(case, Status.DISPATCHED)
    case.handler = handler
    case.dispatched_at = now
    case.save()
    event = _event(case, EventKind.DISPATCHED, actor=actor, data={**move, "handler": handler.pk})
    _on_commit(notify.assigned, case, key=f"case:{case.pk}:event:{event.pk}")
    return event


def _move_due(case: Case, due_at: datetime.datetime, now) -> None:
    """The resolution deadline moves to ``due_at``; a case no longer past it is no longer overdue
    nor escalated, and its handler is reminded again when the new 80 % comes."""
    case.due_at = due_at
    if case.due_at > now:
        case.overdue_at = None
        case.escalation_level = 0
        if deadlines.reminder_at(case) > now:
            case.reminded_at = None


def _new_deadlines(case: Case, urgency: str, now) -> None:
    """The urgency changes; the resolution deadline follows it, unless the case was closed before
    (a reopened case keeps its first deadline). The response deadline stays: the response is
    given by now, and keeps its judgement (docs/metrics.md)."""
    case.urgency = urgency
    if case.first_closed_at is not None:
        return
    _move_due(case, deadlines.deadlines_for(urgency, case.submitted_at)[1], now)


@transaction.atomic
def accept(*, actor, case: Case, urgency: str | None = None, handler: Handler | None = None,
           note: str = "") -> Case:
    """立案: submitted|referred → accepted; with ``handler``, dispatched at once (one event each).
    A new ``urgency`` recomputes the resolution deadline from the time of submission (a case closed
    before keeps its first deadline; the response deadline never moves)."""
    case = _lock(case)
    _check(actor, "accept", case)
    if urgency and urgency not in Urgency.values:
        raise ValidationError({"urgency": _("Choose an urgency.")})
    if handler is not None:
        _check_handler(case, handler)
    note = _clean_text(note, field="note", required=False)
    before = figures.snapshot(case)
    now = timezone.now()
    move = _move(case, Status.ACCEPTED)
    data = dict(move)
    if urgency and urgency != case.urgency:
        data["urgency"] = {"from": case.urgency, "to": urgency}
        _new_deadlines(case, urgency, now)
    _responded(case, now)
    case.accepted_at = now
    case.save()
    _event(case, EventKind.ACCEPTED, actor=actor, data=data)
    if note:
        _event(case, EventKind.NOTE, actor=actor, text=note, public=False)
    if handler is not None:
        _dispatch(case, handler, actor=actor, now=now)
    figures.record_change(before, case)
    record(actor, "case.accepted", case, urgency=case.urgency, handler=handler.pk if handler else None)
    return case


@transaction.atomic
def decline(*, actor, case: Case, reason: str, text: str) -> Case:
    """Decline with a public reason (``DeclineReason.OUT_OF_SCOPE`` or ``INSUFFICIENT``; a duplicate
    goes through ``merge``): → declined."""
    case = _lock(case)
    _check(actor, "decline", case)
    if reason not in (DeclineReason.OUT_OF_SCOPE, DeclineReason.INSUFFICIENT):
        if reason == DeclineReason.DUPLICATE:
            raise ValidationError({"reason": _("Merge a duplicate into the original case instead.")})
        raise ValidationError({"reason": _("Choose a reason.")})
    text = _clean_text(text, field="text", message=_("Explain to the submitter why the case is declined."))
    before = figures.snapshot(case)
    move = _move(case, Status.DECLINED)
    _responded(case, timezone.now())
    case.decline_reason = reason
    case.save()
    event = _event(case, EventKind.DECLINED, actor=actor, text=text, data={**move, "reason": reason})
    figures.record_change(before, case)
    record(actor, "case.declined", case, reason=reason)
    _on_commit(notify.update, case, key=f"case:{case.pk}:event:{event.pk}",
               title=_("Your case %(number)s is declined.") % {"number": case.number}, body=text)
    return case


@transaction.atomic
def merge(*, actor, case: Case, into: Case, text: str = "") -> Case:
    """A duplicate: → merged into ``into`` (an open or closed case of the same building, not itself
    merged); ``into.supporter_count`` grows; the submitter follows the original."""
    if into is None or into.pk == case.pk:
        raise ValidationError({"into": _("Choose another case to merge into.")})
    # Lock both rows, in the order of their ids so that two merges never wait on each other.
    locked = {c.pk: c for c in Case.objects.select_for_update(of=("self",)).select_related(
        "building", "floor", "category", "handler").filter(pk__in=[case.pk, into.pk]).order_by("pk")}
    case, into = locked[case.pk], locked[into.pk]
    _check(actor, "merge", case)
    if into.building_id != case.building_id:
        raise ValidationError({"into": _("Choose a case of the same building.")})
    if into.status in (Status.MERGED, Status.DECLINED):
        raise ValidationError({"into": _("Choose an open or closed case that is not itself merged or declined.")})
    text = _clean_text(text, field="text", required=False)
    before, before_into = figures.snapshot(case), figures.snapshot(into)
    move = _move(case, Status.MERGED)
    _responded(case, timezone.now())
    case.merged_into = into
    case.decline_reason = DeclineReason.DUPLICATE
    case.save()
    into.supporter_count += 1 + case.supporter_count
    into.save()
    # The duplicates of this case now follow the original too.
    Case.objects.filter(merged_into=case).update(merged_into=into)
    event = _event(case, EventKind.MERGED, actor=actor, text=text,
                   data={**move, "into": into.pk, "into_number": into.number})
    _event(into, EventKind.SUPPORTED, actor=actor, public=True,
           data={"merged": case.pk, "merged_number": case.number, "supporters": into.supporter_count})
    figures.record_change(before, case)
    figures.record_change(before_into, into)
    record(actor, "case.merged", case, into=into.number)
    _on_commit(notify.update, case, key=f"case:{case.pk}:event:{event.pk}",
               title=_("Your case %(number)s is merged into case %(into)s, which you now follow.")
               % {"number": case.number, "into": into.number}, body=text)
    return case


@transaction.atomic
def dispatch(*, actor, case: Case, handler: Handler, note: str = "") -> Case:
    """accepted → dispatched to ``handler`` (a handler of the case's building or its district)."""
    case = _lock(case)
    _check(actor, "dispatch", case)
    _check_handler(case, handler)
    note = _clean_text(note, field="note", required=False)
    before = figures.snapshot(case)
    _dispatch(case, handler, actor=actor, now=timezone.now())
    if note:
        _event(case, EventKind.NOTE, actor=actor, text=note, public=False)
    figures.record_change(before, case)
    record(actor, "case.dispatched", case, handler=handler.pk)
    return case


@transaction.atomic
def reassign(*, actor, case: Case, handler: Handler, reason: str) -> Case:
    """dispatched → dispatched to another handler, with the reason on the timeline (internal)."""
    case = _lock(case)
    _check(actor, "reassign", case)
    _check_handler(case, handler)
    if handler.pk == case.handler_id:
        raise ValidationError({"handler": _("The case is already with this handler.")})
    reason = _clean_text(reason, field="reason", message=_("Give the reason for the new handler."))
    before = figures.snapshot(case)
    previous = case.handler_id
    move = _move(case, Status.DISPATCHED)
    case.handler = handler
    if case.reminded_at is not None and case.due_at > timezone.now():
        case.reminded_at = None  # the new handler gets its own reminder
    case.save()
    event = _event(case, EventKind.REASSIGNED, actor=actor, text=reason, public=False,
                   data={**move, "handler": handler.pk, "from_handler": previous})
    figures.record_change(before, case)
    record(actor, "case.reassigned", case, handler=handler.pk, from_handler=previous)
    _on_commit(notify.assigned, case, key=f"case:{case.pk}:event:{event.pk}")
    return case


@removes_files_on_failure
@transaction.atomic
def reply(*, actor, case: Case, text: str, photos=()) -> Case:
    """The handler's staff (or the committee for it) report back: dispatched → replied."""
    case = _lock(case)
    _check(actor, "reply", case)
    text = _clean_text(text, field="text", message=_("Write what was done."))
    files = case_photos.prepare_all(photos)
    before = figures.snapshot(case)
    now = timezone.now()
    move = _move(case, Status.REPLIED)
    _responded(case, now)
    case.replied_at = now
    case.save()
    event = _event(case, EventKind.REPLIED, actor=actor, text=text, data={**move, "handler": case.handler_id})
    case_photos.attach(case, files, event=event)
    figures.record_change(before, case)
    record(actor, "case.replied", case, handler=case.handler_id, photos=len(files))
    _on_commit(notify.replied, case, key=f"case:{case.pk}:event:{event.pk}")
    return case


@transaction.atomic
def return_reply(*, actor, case: Case, reason: str) -> Case:
    """Verification failed: replied → dispatched, back to the same handler (an internal event)."""
    case = _lock(case)
    _check(actor, "return_reply", case)
    reason = _clean_text(reason, field="reason", message=_("Tell the handler what is still missing."))
    before = figures.snapshot(case)
    move = _move(case, Status.DISPATCHED)
    case.save()
    event = _event(case, EventKind.RETURNED, actor=actor, text=reason, public=False,
                   data={**move, "handler": case.handler_id})
    figures.record_change(before, case)
    record(actor, "case.reply_returned", case, handler=case.handler_id)
    _on_commit(notify.assigned, case, key=f"case:{case.pk}:event:{event.pk}", returned=True)
    return case


@transaction.atomic
def close(*, actor, case: Case, text: str = "") -> Case:
    """Verified and closed (核查结案): replied → closed; the submitter is asked to rate."""
    case = _lock(case)
    _check(actor, "close", case)
    text = _clean_text(text, field="text", required=False)
    before = figures.snapshot(case)
    now = timezone.now()
    move = _move(case, Status.CLOSED)
    case.closed_at = now
    case.first_closed_at = case.first_closed_at or now
    case.save()
    event = _event(case, EventKind.CLOSED, actor=actor, text=text, data=move)
    figures.record_change(before, case)
    record(actor, "case.closed", case)
    _on_commit(notify.update, case, key=f"case:{case.pk}:event:{event.pk}",
               title=_("Your case %(number)s is closed; please rate it.") % {"number": case.number}, body=text)
    return case


@transaction.atomic
def add_note(*, actor, case: Case, text: str, public: bool = False, token: str = "",
             visitor: Visitor | None = None) -> CaseEvent:
    """A public reply or an internal note on the timeline, without changing the status. Anyone who
    may act on the case may write one; the submitter may add public information while it is open
    (a visitor with ``token``, the private link's, and optionally their ``visitor`` name)."""
    case = _lock(case)
    action = "public_note" if public else "note"
    _check(actor, action, case, token=token)
    text = _clean_text(text, field="text")
    staff = "note" in permissions.role_actions(actor, case, token=token)
    name = "" if _person(actor) is not None else _clean_visitor(visitor)[0]
    event = _event(case, EventKind.NOTE, actor=actor, actor_name=name, text=text, public=public,
                   data={"by_submitter": not staff})
    record(actor, "case.noted", case, public=public, event=event.pk)
    key = f"case:{case.pk}:event:{event.pk}"
    if staff and public:
        _on_commit(notify.update, case, key=key, body=text,
                   title=_("News of your case %(number)s") % {"number": case.number})
    elif not staff:
        _on_commit(notify.added_information, case, key=key)
    return event


# --- The submitter's rating and the follow-up call --------------------------------------------


def _reopen(case: Case, *, actor, reason: str, actor_name: str = "") -> CaseEvent:
    """closed → dispatched (its handler, if still active) or referred; visible, with the reason."""
    to = Status.DISPATCHED if case.handler_id and case.handler.is_active else Status.REFERRED
    move = _move(case, to)
    case.reopen_count += 1
    case.closed_at = None
    case.save()
    event = _event(case, EventKind.REOPENED, actor=actor, actor_name=actor_name, text=reason,
                   data={**move, "reopen_count": case.reopen_count, "handler": case.handler_id})
    _on_commit(notify.reopened, case, key=f"case:{case.pk}:reopen:{case.reopen_count}")
    return event


def _clean_rating(rating: str, comment: str) -> tuple[str, str]:
    if rating not in Rating.values:
        raise ValidationError({"rating": _("Choose a rating.")})
    comment = _clean_text(comment, field="comment", required=rating == Rating.DISSATISFIED, maximum=COMMENT_MAX,
                          message=_("Please tell us what is still wrong."))
    return rating, comment


@transaction.atomic
def rate(*, actor, case: Case, rating: str, comment: str = "", token: str = "") -> Case:
    """The submitter rates a closed case (their account, or ``token`` of the private link), once
    per closing. Dissatisfied needs a comment and reopens the case (→ dispatched to its handler,
    or referred)."""
    case = _lock(case)
    _check(actor, "rate", case, token=token)
    rating, comment = _clean_rating(rating, comment)
    before = figures.snapshot(case)
    now = timezone.now()
    case.rating, case.rating_comment = rating, comment
    case.rating_source = RatingSource.SUBMITTER
    case.rated_at = now
    case.save()
    name = "" if _person(actor) is not None else case.submitter_name
    _event(case, EventKind.RATED, actor=actor, actor_name=name, text=comment,
           data={"rating": rating, "source": RatingSource.SUBMITTER})
    reopened = rating == Rating.DISSATISFIED
    if reopened:
        _reopen(case, actor=actor, actor_name=name, reason=comment)
    figures.record_change(before, case)
    record(actor, "case.rated", case, rating=rating, reopened=reopened, by_link=bool(token) and _person(actor) is None)
    return case


@transaction.atomic
def record_follow_up(*, actor, case: Case, reached: bool, rating: str = "", comment: str = "") -> Case:
    """回访: staff called the submitter. Reached: records the rating like ``rate`` (source follow-up,
    dissatisfied reopens). Not reached: an event only."""
    case = _lock(case)
    _check(actor, "follow_up", case)
    before = figures.snapshot(case)
    reopened = False
    if reached:
        rating, comment = _clean_rating(rating, comment)
        case.rating, case.rating_comment = rating, comment
        case.rating_source = RatingSource.FOLLOW_UP
        case.rated_at = timezone.now()
        case.save()
    else:
        rating, comment = "", _clean_text(comment, field="comment", required=False, maximum=COMMENT_MAX)
    _event(case, EventKind.FOLLOW_UP, actor=actor, text=comment, public=False,
           data={"reached": bool(reached), "rating": rating, "source": RatingSource.FOLLOW_UP})
    if reached and rating == Rating.DISSATISFIED:
        reopened = True
        _reopen(case, actor=actor, reason=comment)
    figures.record_change(before, case)
    record(actor, "case.followed_up", case, reached=bool(reached), rating=rating, reopened=reopened)
    return case


@transaction.atomic
def reopen(*, actor, case: Case, reason: str) -> Case:
    """The committee reopens a closed case (the problem came back): → dispatched to its handler,
    or referred; ``reopen_count + 1``; a visible event with the reason."""
    case = _lock(case)
    _check(actor, "reopen", case)
    reason = _clean_text(reason, field="reason", message=_("Give the reason for reopening the case."))
    before = figures.snapshot(case)
    _reopen(case, actor=actor, reason=reason)
    figures.record_change(before, case)
    record(actor, "case.reopened", case, reopen_count=case.reopen_count)
    return case


# --- Deadlines (the periodic task calls this) -------------------------------------------------


def _system_step(pk: int, step) -> bool:
    """Run ``step(case)`` on the locked case in its own transaction; True when it changed something."""
    with transaction.atomic():
        case = Case.objects.select_for_update(of=("self",)).select_related(
            "building", "floor", "category", "handler").filter(pk=pk).first()
        if case is None:
            return False
        return bool(step(case))


def check_deadlines(*, now: datetime.datetime | None = None) -> dict:
    """Remind handlers before the deadline (催办, once), mark overdue cases (once), escalate overdue
    ones to the committee secretary and, later, to the district. Returns counts per step.
    Idempotent: running it twice at the same time changes nothing the second time.

    Also tells the committee secretaries, once, of a case that passed its response deadline
    without any response. Each case is changed in its own short transaction."""
    now = now or timezone.now()
    counts = {"reminded": 0, "overdue": 0, "escalated": 0, "unanswered": 0}

    # 1. Reminders (催办): dispatched cases past 80 % of their time, not yet due.
    candidates = Case.objects.filter(
        status=Status.DISPATCHED, reminded_at__isnull=True, due_at__gt=now, submitted_at__lte=now
    ).only("pk", "submitted_at", "due_at")
    for pk in [c.pk for c in candidates if deadlines.reminder_at(c) <= now]:
        def remind(case):
            if (case.status != Status.DISPATCHED or case.reminded_at is not None or case.due_at <= now
                    or deadlines.reminder_at(case) > now):
                return False
            before = figures.snapshot(case)
            case.reminded_at = now
            case.save()
            event = _event(case, EventKind.REMINDED, public=False, at=now, data={"handler": case.handler_id})
            figures.record_change(before, case)
            record(None, "case.reminded", case, handler=case.handler_id)
            _on_commit(notify.reminder, case, key=f"case:{case.pk}:event:{event.pk}")
            return True
        counts["reminded"] += _system_step(pk, remind)

    # 2. Overdue: open at the deadline → marked, and escalated to the committee secretaries (level 1).
    for pk in Case.objects.filter(status__in=OPEN_STATUSES, overdue_at__isnull=True, due_at__lte=now).values_list(
            "pk", flat=True):
        def mark(case):
            if not case.is_open or case.overdue_at is not None or case.due_at > now:
                return False
            before = figures.snapshot(case)
            case.overdue_at = now
            case.escalation_level = max(case.escalation_level, 1)
            case.save()
            event = _event(case, EventKind.OVERDUE, public=False, at=now,
                           data={"escalation_level": case.escalation_level, "handler": case.handler_id})
            figures.record_change(before, case)
            record(None, "case.overdue", case, handler=case.handler_id)
            _on_commit(notify.overdue, case, key=f"case:{case.pk}:event:{event.pk}")
            return True
        counts["overdue"] += _system_step(pk, mark)

    # 3. Still open a working day after the deadline: escalated to the district (level 2).
    candidates = Case.objects.filter(
        status__in=OPEN_STATUSES, escalation_level=1, overdue_at__isnull=False, due_at__lte=now
    ).only("pk", "due_at")
    for pk in [c.pk for c in candidates if deadlines.district_escalation_at(c) <= now]:
        def escalate(case):
            if not case.is_open or case.escalation_level != 1 or deadlines.district_escalation_at(case) > now:
                return False
            before = figures.snapshot(case)
            case.escalation_level = 2
            case.save()
            event = _event(case, EventKind.ESCALATED, public=False, at=now,
                           data={"escalation_level": 2, "step": "district"})
            figures.record_change(before, case)
            record(None, "case.escalated", case, level=2)
            _on_commit(notify.escalated, case, key=f"case:{case.pk}:event:{event.pk}")
            return True
        counts["escalated"] += _system_step(pk, escalate)

    # 4. No response by the response deadline: the committee secretaries are told, once.
    told = CaseEvent.objects.filter(case=OuterRef("pk"), kind=EventKind.ESCALATED, data__step="respond")
    for pk in Case.objects.filter(status__in=OPEN_STATUSES, responded_at__isnull=True, respond_by__lte=now).exclude(
            Exists(told)).values_list("pk", flat=True):
        def unanswered(case):
            if not case.is_open or case.responded_at is not None or case.respond_by > now:
                return False
            if case.events.filter(kind=EventKind.ESCALATED, data__step="respond").exists():
                return False
            event = _event(case, EventKind.ESCALATED, public=False, at=now, data={"step": "respond"},
                           text=_("No response in time: the committee secretaries are told."))
            record(None, "case.unanswered", case)
            _on_commit(notify.unanswered, case, key=f"case:{case.pk}:event:{event.pk}")
            return True
        counts["unanswered"] += _system_step(pk, unanswered)
    return counts


# --- The official calendar changed (a background task calls this) ------------------------------


def recompute_deadlines(*, year: int, now: datetime.datetime | None = None) -> dict:
    """A year of the official calendar was entered or corrected: move the deadlines of the open
    cases that run over that year, recomputed from their time of submission and the rule of their
    urgency (``deadlines.deadlines_for``). As when a case is accepted with a new urgency: the
    response deadline moves only while nobody has responded (a response given keeps its
    judgement) and the resolution deadline only while the case was never closed (a reopened case
    keeps its first deadline; docs/metrics.md). Each case that moves gets a public
    ``deadline_moved`` event and an audit record, and its figures move with it, in its own short
    transaction. Idempotent: a second run moves nothing. Returns counts."""
    now = now or timezone.now()
    workdays.forget()  # read the calendar as it is in the database now, not this process's copy
    zone = workdays.tz()
    start = datetime.datetime(year, 1, 1, tzinfo=zone)
    end = datetime.datetime(year + 1, 1, 1, tzinfo=zone)
    # A deadline computed before the year begins never looked at its days: it cannot move.
    candidates = Case.objects.filter(status__in=OPEN_STATUSES, submitted_at__lt=end).filter(
        Q(first_closed_at__isnull=True, due_at__gte=start) | Q(responded_at__isnull=True, respond_by__gte=start)
    ).order_by("pk").values_list("pk", flat=True)
    counts = {"checked": 0, "moved": 0}

    def move(case):
        if not case.is_open:
            return False
        respond_by, due_at = deadlines.deadlines_for(case.urgency, case.submitted_at)
        moved = {}
        before = figures.snapshot(case)
        if case.responded_at is None and respond_by != case.respond_by:
            moved["respond_by"] = (case.respond_by, respond_by)
            case.respond_by = respond_by
        if case.first_closed_at is None and due_at != case.due_at:
            moved["due_at"] = (case.due_at, due_at)
            _move_due(case, due_at, now)
        if not moved:
            return False
        case.save()
        if "due_at" in moved:
            text = _("The official calendar of %(year)d was entered: the deadline moves from %(old)s to %(new)s.")
        else:
            text = _("The official calendar of %(year)d was entered: the response deadline moves from %(old)s to "
                     "%(new)s.")
        old, new = moved.get("due_at") or moved["respond_by"]
        _event(case, EventKind.DEADLINE_MOVED, at=now, data={
            "year": year, **{name: [timezone.localtime(a).isoformat(), timezone.localtime(b).isoformat()]
                             for name, (a, b) in moved.items()}},
            text=text % {"year": year, "old": _when(old), "new": _when(new)})
        figures.record_change(before, case)
        record(None, "case.deadline_moved", case, year=year,
               **{name: [old, new] for name, (old, new) in moved.items()})
        return True

    # The timeline's text is written once, for everyone: in the site's language, whatever the
    # language of the process that runs this (a worker, or a request with the immediate backend).
    with translation.override(settings.LANGUAGE_CODE):
        for pk in list(candidates):
            counts["checked"] += 1
            counts["moved"] += _system_step(pk, move)
    return counts


def _when(moment: datetime.datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


# --- Configuration (categories, deadlines, handlers and their staff) ---------------------------

CATEGORY_FIELDS = ("code", "name", "name_en", "description", "parent", "urgency", "handler_kind",
                   "default_handler", "position", "is_active")
RULE_FIELDS = ("respond_amount", "respond_unit", "resolve_amount", "resolve_unit")
HANDLER_FIELDS = ("name", "kind", "property_company", "phone", "is_active")


def _assign(obj, fields: dict, allowed: tuple) -> dict:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"unknown fields {sorted(unknown)}")
    changed = {}
    for key, value in fields.items():
        if isinstance(value, str):
            value = normalise(value)
        if getattr(obj, key) != value:
            changed[key] = value
        setattr(obj, key, value)
    return changed


def _details(changed: dict) -> dict:
    return {k: getattr(v, "pk", v) for k, v in changed.items()}


@transaction.atomic
def save_category(*, actor, category: Category | None = None, **fields) -> Category:
    """Create or edit a category (shared by every building: district staff and superusers)."""
    if not permissions.may_configure_catalogue(actor):
        raise PermissionDenied("case.configure")
    creating = category is None
    category = Category() if creating else Category.objects.select_for_update().get(pk=category.pk)
    changed = _assign(category, fields, CATEGORY_FIELDS)
    parent = category.parent
    if parent is not None and (parent.pk == category.pk or parent.parent_id is not None):
        raise ValidationError({"parent": _("Choose a top-level category as the parent.")})
    if parent is not None and not creating and category.children.exists():
        raise ValidationError({"parent": _("A category with sub-categories cannot itself be a sub-category.")})
    category.full_clean()
    category.save()
    record(actor, "case.category_created" if creating else "case.category_changed", category, **_details(changed))
    return category


@transaction.atomic
def save_deadline_rule(*, actor, rule: DeadlineRule, **fields) -> DeadlineRule:
    """Change how long an urgency gives; cases raised from now on follow the new rule."""
    if not permissions.may_configure_catalogue(actor):
        raise PermissionDenied("case.configure")
    rule = DeadlineRule.objects.select_for_update().get(pk=rule.pk)
    changed = _assign(rule, fields, RULE_FIELDS)
    errors = {}
    for amount, unit in (("respond_amount", "respond_unit"), ("resolve_amount", "resolve_unit")):
        value = getattr(rule, amount)
        if not isinstance(value, int) or value <= 0:
            errors[amount] = _("Give a whole number above zero.")
        if getattr(rule, unit) not in DeadlineUnit.values:
            errors[unit] = _("Choose a unit.")
    if errors:
        raise ValidationError(errors)
    rule.full_clean()
    rule.save()
    record(actor, "case.deadline_rule_changed", rule, urgency=rule.urgency, **_details(changed))
    return rule


@transaction.atomic
def save_handler(*, actor, handler: Handler | None = None, building=None, party_committee=None,
                 **fields) -> Handler:
    """Create or edit a handler of a building (CASE_CONFIGURE on it) or of a district. A handler's
    scope is fixed when it is created."""
    creating = handler is None
    if creating:
        if (building is None) == (party_committee is None):
            raise ValidationError(_("A handler serves either one building or a whole district."))
        handler = Handler(building=building, party_committee=party_committee)
    else:
        handler = Handler.objects.select_for_update().get(pk=handler.pk)
    if not permissions.may_configure_handler(actor, handler):
        raise PermissionDenied("case.configure")
    changed = _assign(handler, fields, HANDLER_FIELDS)
    if handler.phone:
        try:
            validate_phone(handler.phone)
        except ValidationError as error:
            raise ValidationError({"phone": error.messages}) from None
        handler.phone = normalise_phone(handler.phone)
    handler.full_clean()
    handler.save()
    record(actor, "case.handler_created" if creating else "case.handler_changed", handler,
           building=handler.building_id, district=handler.party_committee_id, **_details(changed))
    return handler


@transaction.atomic
def add_handler_member(*, actor, handler: Handler, user, is_manager: bool = False) -> HandlerMember:
    """Give ``user`` a staff login of ``handler`` (a manager also receives reminders and escalations)."""
    if not permissions.may_configure_handler(actor, handler):
        raise PermissionDenied("case.configure")
    Handler.objects.select_for_update().filter(pk=handler.pk).first()
    if HandlerMember.objects.filter(handler=handler, user=user, ended_at__isnull=True).exists():
        raise ValidationError({"user": _("This person already works for the handler.")})
    member = HandlerMember.objects.create(handler=handler, user=user, is_manager=bool(is_manager))
    record(actor, "case.handler_member_added", handler, user=user.pk, manager=bool(is_manager))
    return member


@transaction.atomic
def end_handler_member(*, actor, member: HandlerMember) -> HandlerMember:
    """The person no longer works the handler's cases (their past events stay theirs)."""
    member = HandlerMember.objects.select_for_update().select_related("handler").get(pk=member.pk)
    if not permissions.may_configure_handler(actor, member.handler):
        raise PermissionDenied("case.configure")
    if member.ended_at is not None:
        raise ValidationError(_("This person no longer works for the handler."))
    member.ended_at = timezone.now()
    member.save(update_fields=["ended_at"])
    record(actor, "case.handler_member_ended", member.handler, user=member.user_id)
    return member
