"""Who may see and act on which case.

Role-based questions go to ``louwei.access`` (CASE_VIEW, CASE_RAISE_FOR, CASE_ANSWER, CASE_TRIAGE,
CASE_FIGURES, CASE_CONFIGURE); a handler's staff reach the cases dispatched to their handler
through :class:`~.models.HandlerMember`; a submitter sees their own cases; a visitor reaches one
case with its private link (``tracking.token_matches``), nothing else.

Who may do what (``allowed_actions``; the services check the same rules):

* the floor leader (CASE_ANSWER on the case's floor): ``answer``, ``pass_on``, notes;
* the committee (CASE_TRIAGE on the building: secretaries, members, district staff): ``accept``,
  ``decline``, ``merge``, ``dispatch``, ``reassign``, ``reply`` (on the handler's behalf),
  ``return_reply``, ``close``, ``follow_up``, ``reopen``, notes;
* the staff of the case's current handler: ``reply``, notes;
* the submitter (their account, or a visitor with the private link): ``rate`` once per closing
  (a case reopened and closed again may be rated again), ``public_note`` while the case is open.
  Someone with the same request (not the submitter) may ``support`` an open case.

"notes" are ``note`` (internal) and ``public_note`` (shown to the submitter).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from louwei import access
from louwei.access import Action
from louwei.accounts.models import RoleKind

from . import tracking
from .models import ON_BEHALF_CHANNELS, TRANSITIONS, Case, CaseEvent, EventKind, Handler, HandlerMember, Status

FLOOR_LEADER_ACTIONS = frozenset({"answer", "pass_on", "note", "public_note"})
COMMITTEE_ACTIONS = frozenset({
    "accept", "decline", "merge", "dispatch", "reassign", "reply", "return_reply", "close", "follow_up",
    "reopen", "note", "public_note",
})
HANDLER_ACTIONS = frozenset({"reply", "note", "public_note"})
SUBMITTER_ACTIONS = frozenset({"rate", "public_note"})
NOTE_ACTIONS = frozenset({"note", "public_note"})


def _authenticated(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and getattr(user, "is_active", False)


def handler_ids(user) -> set[int]:
    """The handlers ``user`` currently works for (one query, kept on the user object for the request)."""
    if not _authenticated(user):
        return set()
    cached = getattr(user, "_case_handler_ids", None)
    if cached is None:
        cached = frozenset(HandlerMember.objects.active().filter(user=user).values_list("handler_id", flat=True))
        user._case_handler_ids = cached
    return set(cached)


def _dispatched_to(handler_ids: list[int]) -> QuerySet:
    """Ids of the cases ever dispatched or reassigned to one of the handlers. Only the cases of the
    buildings those handlers serve are searched, so the subquery stays small (the timeline of a
    building's cases, through the case and the event indexes)."""
    from louwei.buildings.models import Building

    handlers = Handler.objects.filter(pk__in=handler_ids)
    buildings = Building.objects.filter(
        Q(pk__in=handlers.values("building_id")) | Q(party_committee_id__in=handlers.values("party_committee_id"))
    )
    return CaseEvent.objects.filter(
        case__building_id__in=buildings.values("pk"), kind__in=[EventKind.DISPATCHED, EventKind.REASSIGNED],
        data__handler__in=handler_ids,
    ).values("case_id")


def visible_cases(user) -> QuerySet[Case]:
    """Every case ``user`` may see: their staff scope (CASE_VIEW), their handlers' cases (dispatched
    to them now or before), the cases they submitted or raised, and, for an enterprise contact,
    their enterprise's cases. One queryset, no Python loop."""
    if not _authenticated(user):
        return Case.objects.none()
    if user.is_superuser:
        return Case.objects.all()
    s = access.scope(user, Action.CASE_VIEW)
    q = Q(submitted_by=user) | Q(raised_by=user)
    followed = list(_followed(user))  # a short list of ids keeps the OR indexable on PostgreSQL
    if followed:
        q |= Q(pk__in=followed)
    if s.party_committees:
        q |= Q(building__party_committee_id__in=s.party_committees)
    if s.buildings:
        q |= Q(building_id__in=s.buildings)
    if s.floors:
        q |= Q(floor_id__in=s.floors)
    if s.enterprises:
        q |= Q(enterprise_id__in=s.enterprises)
    handlers = handler_ids(user)
    if handlers:
        q |= Q(handler_id__in=handlers) | Q(pk__in=_dispatched_to(list(handlers)))
    return Case.objects.filter(q)


def _followed(user) -> QuerySet:
    """The originals of the duplicates ``user`` submitted (they follow the original)."""
    return Case.objects.filter(submitted_by=user, merged_into__isnull=False).values_list("merged_into_id", flat=True)


def _was_handler(handlers: set[int], case: Case) -> bool:
    if not handlers:
        return False
    if case.handler_id in handlers:
        return True
    return CaseEvent.objects.filter(
        case_id=case.pk, kind__in=[EventKind.DISPATCHED, EventKind.REASSIGNED], data__handler__in=list(handlers)
    ).exists()


def may_view(user, case: Case, *, token: str = "") -> bool:
    """May ``user`` (or a visitor holding ``token``, the private link) see ``case`` and its timeline?"""
    if token and tracking.token_matches(case, token):
        return True
    if not _authenticated(user):
        return False
    if user.is_superuser or user.pk in (case.submitted_by_id, case.raised_by_id):
        return True
    if case.supporter_count and Case.objects.filter(submitted_by=user, merged_into=case).exists():
        return True
    s = access.scope(user, Action.CASE_VIEW)
    if (case.floor_id in s.floors or case.building_id in s.buildings
            or (case.enterprise_id is not None and case.enterprise_id in s.enterprises)):
        return True
    if s.party_committees and _district_of(case) in s.party_committees:
        return True
    return _was_handler(handler_ids(user), case)


def sees_internal(user, case: Case) -> bool:
    """Who reads the internal notes and photos of ``case`` and how to reach its submitter: the people
    who act on it, the same on the pages and the API. The floor leader of its floor (CASE_ANSWER), the
    committee of its building (CASE_TRIAGE: secretaries, members, district staff) and the staff of its
    handlers (a handler that had it before a reassignment included). Never the submitter, their
    enterprise, or staff who only read the building's cases (property staff, unless their company
    handles it): the raise form promises that only the floor leader and the people handling the case
    see the submitter's phone."""
    if not _authenticated(user):
        return False
    if user.is_superuser:
        return True
    return (access.can(user, Action.CASE_ANSWER, case.floor) or access.can(user, Action.CASE_TRIAGE, case.building)
            or _was_handler(handler_ids(user), case))


def _district_of(case: Case) -> int:
    return case.building.party_committee_id


def is_submitter(user, case: Case, *, token: str = "") -> bool:
    """The person who raised the case for themselves (their account), or a visitor with its link."""
    if token and tracking.token_matches(case, token):
        return True
    return _authenticated(user) and case.submitted_by_id is not None and case.submitted_by_id == user.pk


def role_actions(user, case: Case, *, token: str = "") -> set[str]:
    """The actions ``user`` may take on ``case`` by who they are, whatever its status."""
    actions: set[str] = set()
    if is_submitter(user, case, token=token):
        actions |= SUBMITTER_ACTIONS
    if not _authenticated(user):
        return actions
    if user.is_superuser:
        return actions | FLOOR_LEADER_ACTIONS | COMMITTEE_ACTIONS
    if access.can(user, Action.CASE_ANSWER, case.floor):
        actions |= FLOOR_LEADER_ACTIONS
    if access.can(user, Action.CASE_TRIAGE, case.building):
        actions |= COMMITTEE_ACTIONS
    if case.handler_id is not None and case.handler_id in handler_ids(user):
        actions |= HANDLER_ACTIONS
    if (case.enterprise_id is not None and "public_note" not in actions
            and case.enterprise_id in access.scope(user, Action.CASE_VIEW).enterprises):
        actions.add("public_note")  # an enterprise contact adds information to their enterprise's case
    return actions


def may_rate_now(case: Case) -> bool:
    """A closed case is rated once per closing (a reopened and closed again case may be rated again)."""
    if case.status != Status.CLOSED:
        return False
    return not case.rating or (case.rated_at is not None and case.closed_at is not None
                               and case.rated_at < case.closed_at)


def status_allows(action: str, case: Case, *, staff: bool = False) -> bool:
    """Does the case's status allow ``action`` now (``models.TRANSITIONS`` and the rules of notes)?
    Staff (anyone who may write internal notes) write public replies whatever the status; the
    submitter adds information while the case is open."""
    if action == "note":
        return True
    if action == "public_note":
        return staff or case.is_open
    if action in ("rate", "follow_up"):
        return may_rate_now(case)
    if action == "support":
        return case.is_open
    if action not in TRANSITIONS:
        return False
    return case.status in TRANSITIONS[action][0]


def allowed_actions(user, case: Case, *, token: str = "") -> set[str]:
    """The actions ``user`` may take on ``case`` now: names of ``models.TRANSITIONS`` whose start
    status matches and whose permission holds, plus ``"note"`` (internal note, staff and handler)
    and ``"public_note"``. Pages show exactly these buttons; services check the same rules.

    ``token`` (the private link's) stands for the visitor who raised the case."""
    actions = role_actions(user, case, token=token)
    staff = "note" in actions
    return {a for a in actions if status_allows(a, case, staff=staff)}


def may(user, action: str, case: Case, *, token: str = "") -> bool:
    return action in allowed_actions(user, case, token=token)


def may_raise_for(user, floor) -> bool:
    """CASE_RAISE_FOR on the floor: may raise on an enterprise's behalf, with a channel."""
    return _authenticated(user) and access.can(user, Action.CASE_RAISE_FOR, floor)


def own_enterprise_ids(user) -> set[int]:
    """The enterprises ``user`` works for (employee or enterprise contact roles)."""
    return {
        role.enterprise_id for role in access.active_roles(user)
        if role.kind in (RoleKind.EMPLOYEE, RoleKind.ENTERPRISE_CONTACT) and role.enterprise_id
    }


def raisable_enterprises(user, floor) -> tuple[bool, QuerySet]:
    """Whom ``user`` may raise a case for on ``floor``, the same on the page and the API:
    ``(on_behalf, enterprises)``. With CASE_RAISE_FOR on the floor, any enterprise now on it, on its
    behalf; otherwise only their own enterprises now on it, for themselves. ``PermissionDenied`` when
    neither (a handler's staff, an employee on another enterprise's floor)."""
    from louwei.buildings.models import Enterprise

    on_floor = Enterprise.objects.on_floors([floor])
    if may_raise_for(user, floor):
        return True, on_floor
    own = own_enterprise_ids(user)
    mine = on_floor.filter(pk__in=own)
    if not own or not mine.exists():
        raise PermissionDenied("case.raise")
    return False, mine


def check_raise(user, floor, *, channel: str, enterprise=None):
    """Ask before a signed-in person raises a case on ``floor`` from a face (``/cases/new/``, the
    API): the floor and enterprise rules of :func:`raisable_enterprises` (``PermissionDenied``), an
    on-behalf channel only with CASE_RAISE_FOR, the enterprise one of those offered
    (``ValidationError``). Returns the enterprise (one's own, when none was given)."""
    on_behalf, enterprises = raisable_enterprises(user, floor)
    if channel in ON_BEHALF_CHANNELS and not on_behalf:
        raise PermissionDenied("case.raise_for")
    if enterprise is None:
        return None if on_behalf else enterprises.order_by("name", "pk").first()
    if not enterprises.filter(pk=enterprise.pk).exists():
        message = (_("The enterprise is not on this floor.") if on_behalf
                   else _("You may only raise cases for your own enterprise."))
        raise ValidationError({"enterprise": [message]})
    return enterprise


def may_view_figures(user, building_or_district) -> bool:
    return _authenticated(user) and access.can(user, Action.CASE_FIGURES, building_or_district)


def may_configure(user, building_or_district) -> bool:
    return _authenticated(user) and access.can(user, Action.CASE_CONFIGURE, building_or_district)


def may_configure_catalogue(user) -> bool:
    """Categories and deadline rules are shared by every building: district staff (CASE_CONFIGURE
    on a district) and superusers change them."""
    if not _authenticated(user):
        return False
    s = access.scope(user, Action.CASE_CONFIGURE)
    return s.everything or bool(s.party_committees)


def may_configure_handler(user, handler: Handler) -> bool:
    scope = handler.building if handler.building_id else handler.party_committee
    return may_configure(user, scope)


def dispatchable_handlers(case: Case) -> QuerySet[Handler]:
    """Active handlers of the case's building and of its district."""
    return Handler.objects.filter(
        Q(building_id=case.building_id) | Q(party_committee_id=case.building.party_committee_id),
        is_active=True,
    )


def suggested_handler(case: Case) -> Handler | None:
    """The category's fixed handler, else the building's active handler of the category's kind."""
    category = case.category
    if category.default_handler_id:
        fixed = category.default_handler
        if fixed.is_active and dispatchable_handlers(case).filter(pk=fixed.pk).exists():
            return fixed
    return (Handler.objects.filter(building_id=case.building_id, kind=category.handler_kind, is_active=True)
            .order_by("pk").first())

