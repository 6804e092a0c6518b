"""What the case pages read: each role's queue, a building's list, one case with its timeline.

Every function makes a fixed number of queries, whatever the number of cases:

* the queues read open cases only, which the partial indexes of ``models.Case`` cover
  (``case_open_by_floor``, ``case_open_by_handler``, ``case_open_by_building``);
* the building's list filters by building first (``case_building_recent``) and is paginated;
* rows carry their floor, building, category and handler (``select_related``), never one query each.

Who may see what is decided in ``louwei.access`` (roles) and ``permissions`` (handler staff,
submitters); this module only asks them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from louwei import access
from louwei.access import Action
from louwei.buildings.models import Building, Floor, PartyCommittee
from louwei.committee.models import FloorLeader

from . import permissions
from .deadlines import FOLLOW_UP_WINDOW, RATING_WINDOW
from .models import OPEN_STATUSES, Case, CaseEvent, CasePhoto, EventKind, Handler, Status

PAGE_SIZE = 25
SECTION_SIZE = 20  # rows shown per queue section; the count says how many there are in all
TRIAGE_SECTION_SIZE = 5  # the triage has six sections: the five most urgent of each fit a phone screen or two
LANDING_SIZE = 5  # rows per queue on the landing page

ROW_RELATED = ("floor", "building", "category", "handler")
# The columns a row shows (``includes/case_list.html``, the ``case_row`` tag): a case has some
# fifty columns, and building the model instances of a hundred rows costs more than the query.
ROW_FIELDS = (
    "number", "status", "description", "submitted_at", "respond_by", "responded_at", "due_at",
    "floor__number", "floor__building_id", "building__name", "building__code",
    "category__name", "category__name_en", "handler__name",
)


def rows(queryset: QuerySet[Case]) -> QuerySet[Case]:
    """What a list row shows: the case with its floor, building, category and handler (one query)."""
    return queryset.select_related(*ROW_RELATED).only(*ROW_FIELDS)


def building_by_code(code: str) -> Building:
    """A building of the case pages by its code, typed in any case (404 if unknown)."""
    return get_object_or_404(Building.objects.select_related("party_committee"), code=code.strip().upper())


def district_by_code(code: str) -> PartyCommittee:
    """A district (its Party committee) by its code, typed in any case (404 if unknown)."""
    return get_object_or_404(PartyCommittee, code=code.strip().upper())


def _authenticated(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


# ----------------------------------------------------------------------------------------------
# Who is what (no query beyond the roles, read once per request, and the handler memberships)


def leader_floor_ids(user) -> set[int]:
    """The floors where ``user`` answers cases first (a serving floor leader's floors)."""
    return set(access.scope(user, Action.CASE_ANSWER).floors)


def triage_scope(user) -> Q | None:
    """The cases' condition for the buildings where ``user`` triages (committee, district), or None."""
    s = access.scope(user, Action.CASE_TRIAGE)
    if s.everything:
        return Q(pk__isnull=False)
    if not (s.party_committees or s.buildings):
        return None
    condition = Q()
    if s.buildings:
        condition |= Q(building_id__in=sorted(s.buildings))
    if s.party_committees:
        # ``building_id IN (subquery)`` rather than a join, so the open-case indexes by building serve it.
        district = Building.objects.filter(party_committee_id__in=sorted(s.party_committees)).values("pk")
        condition |= Q(building_id__in=district)
    return condition


def triages_districts(user) -> bool:
    """Does ``user`` triage whole districts (district staff, superusers) rather than buildings?
    Their triage is what reaches the district: escalated and overdue cases. Each building's
    committee triages its own referrals, replies and follow-up calls."""
    s = access.scope(user, Action.CASE_TRIAGE)
    return (s.everything or bool(s.party_committees)) and not s.buildings


def my_handler_ids(user) -> list[int]:
    """The handlers ``user`` works for now, in order (``permissions.handler_ids``: one query a request)."""
    return sorted(permissions.handler_ids(user))


# ----------------------------------------------------------------------------------------------
# Queues


@dataclass
class Section:
    """One part of a queue: a title, the most urgent rows and how many there are in all."""

    key: str
    title: str
    cases: list[Case]
    total: int
    help: str = ""
    capped: bool = False  # there are more than ``total`` (counting stopped at COUNT_CAP)
    parts: list = field(default_factory=list)  # (key, title, count) of what it holds, on the landing page

    @property
    def more(self) -> int:
        return max(self.total - len(self.cases), 0)


@dataclass
class Queue:
    key: str
    title: str
    sections: list[Section] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(section.total for section in self.sections)


# A queue counts at most this many rows: beyond it the page says "more than 500", so a count costs
# the same for a building or a whole city.
COUNT_CAP = 500


def _section(key, title, queryset, order, *, size=SECTION_SIZE, help="", total=None) -> Section:
    """The most urgent rows (one query) and the count: ``total`` when the caller counted every
    section at once, else one count query that stops at COUNT_CAP. Either way the number of
    queries never depends on the data."""
    cases = list(rows(queryset).order_by(*order, "pk")[:size])
    capped = False
    if total is None:
        total = capped_count(queryset)
        capped = total > COUNT_CAP
        total = min(total, COUNT_CAP)
    return Section(key=key, title=str(title), cases=cases, total=total, help=str(help), capped=capped)


def _counts(queryset: QuerySet[Case], conditions: dict[str, Q]) -> dict[str, int]:
    """How many rows of ``queryset`` meet each condition: one aggregate query."""
    return queryset.order_by().aggregate(**{key: Count("pk", filter=q) for key, q in conditions.items()})


def leader_new(user) -> QuerySet[Case]:
    """New cases on the floor leader's floors, waiting for them to answer or pass on."""
    floors = leader_floor_ids(user)
    if not floors:
        return Case.objects.none()
    return Case.objects.filter(floor_id__in=floors, status=Status.SUBMITTED)


def leader_queue(user, *, size=SECTION_SIZE) -> Queue | None:
    """A floor leader's floors: the new cases (soonest response deadline first), then the others
    still open on their floors (to follow)."""
    floors = leader_floor_ids(user)
    if not floors:
        return None
    others = Q(status__in=[s for s in OPEN_STATUSES if s != Status.SUBMITTED])
    counts = _counts(Case.objects.filter(floor_id__in=floors, status__in=OPEN_STATUSES),
                     {"new": Q(status=Status.SUBMITTED), "following": others})
    following = Case.objects.filter(others, floor_id__in=floors)
    return Queue("leader", str(_("My floors")), [
        _section("new", _("New, to answer or pass on"), leader_new(user), ("respond_by",), size=size,
                 total=counts["new"]),
        _section("following", _("Open on my floors"), following, ("due_at",), size=size, total=counts["following"]),
    ])


def handler_assigned(user) -> QuerySet[Case]:
    handlers = my_handler_ids(user)
    if not handlers:
        return Case.objects.none()
    return Case.objects.filter(handler_id__in=handlers, status=Status.DISPATCHED)


def handler_queue(user, *, size=SECTION_SIZE) -> Queue | None:
    """A handler's staff: the cases dispatched to their handler (soonest deadline first), then
    those they replied to, awaiting the committee's verification."""
    handlers = my_handler_ids(user)
    if not handlers:
        return None
    replied = Case.objects.filter(handler_id__in=handlers, status=Status.REPLIED)
    counts = _counts(Case.objects.filter(handler_id__in=handlers, status__in=[Status.DISPATCHED, Status.REPLIED]),
                     {"assigned": Q(status=Status.DISPATCHED), "replied": Q(status=Status.REPLIED)})
    return Queue("handler", str(_("Assigned to us")), [
        _section("assigned", _("To handle"), handler_assigned(user), ("due_at",), size=size,
                 total=counts["assigned"]),
        _section("replied", _("Replied, awaiting verification"), replied, ("due_at",), size=size,
                 total=counts["replied"]),
    ])


def _triage_conditions(now: datetime.datetime) -> dict[str, Q]:
    serving = FloorLeader.objects.serving().filter(floor_id=OuterRef("floor_id"))
    return {
        "referred": Q(status=Status.REFERRED),
        "stale": Q(status=Status.SUBMITTED) & (Q(leader__isnull=True) | ~Exists(serving) | Q(respond_by__lt=now)),
        "accepted": Q(status=Status.ACCEPTED),
        "replied": Q(status=Status.REPLIED),
        "overdue": Q(status__in=OPEN_STATUSES, due_at__lte=now),
    }


def follow_up_due(scope: Q, now: datetime.datetime) -> QuerySet[Case]:
    """Closed cases nobody rated within the rating window and not yet called back (回访), closed
    within the follow-up window (so the set stays the last weeks' closings, whatever the history)."""
    called = CaseEvent.objects.filter(case_id=OuterRef("pk"), kind=EventKind.FOLLOW_UP)
    return Case.objects.filter(
        scope, status=Status.CLOSED, rating="", closed_at__lt=now - RATING_WINDOW,
        closed_at__gte=now - FOLLOW_UP_WINDOW,
    ).exclude(Exists(called))


TRIAGE_SECTIONS = (
    ("referred", _("Passed on by floor leaders"), "", ("respond_by",)),
    ("stale", _("New on floors without a leader, or not answered in time"),
     _("The floor leader has not responded: the committee takes it over."), ("respond_by",)),
    ("accepted", _("Accepted, to dispatch"), "", ("due_at",)),
    ("replied", _("Replied, to verify and close"), "", ("due_at",)),
    ("overdue", _("Overdue"), _("Open cases past their deadline, whoever has them."), ("due_at",)),
)


DISTRICT_SECTIONS = (
    ("escalated", _("Escalated to the district"),
     _("Overdue for more than a working day: the district follows them up with the building."), ("due_at",)),
    ("overdue", _("Overdue"), _("Open cases past their deadline, whoever has them."), ("due_at",)),
)


def _district_conditions(now: datetime.datetime) -> dict[str, Q]:
    return {
        "escalated": Q(status__in=OPEN_STATUSES, escalation_level__gte=2),
        "overdue": Q(status__in=OPEN_STATUSES, due_at__lte=now),
    }


def triage_queue(user, *, size=TRIAGE_SECTION_SIZE, now=None) -> Queue | None:
    """The committee's triage (and the district's): referred cases; submitted cases on floors
    without a leader or past their response deadline; accepted cases to dispatch; replies to
    verify; overdue cases; closed cases due a follow-up call."""
    scope = triage_scope(user)
    if scope is None:
        return None
    now = now or timezone.now()
    if triages_districts(user):
        # A district's open cases can be many: each section is counted up to COUNT_CAP only.
        conditions = _district_conditions(now)
        return Queue("triage", str(_("District follow-up")), [
            _section(key, title, Case.objects.filter(scope, conditions[key]), order, size=size, help=help)
            for key, title, help, order in DISTRICT_SECTIONS
        ])
    conditions = _triage_conditions(now)
    counts = _counts(Case.objects.filter(scope, status__in=OPEN_STATUSES), conditions)
    sections = [
        _section(key, title, Case.objects.filter(scope, conditions[key]), order, size=size, help=help,
                 total=counts[key])
        for key, title, help, order in TRIAGE_SECTIONS
    ]
    sections.append(_section(
        "follow_up", _("Closed, not rated: call back"), follow_up_due(scope, now), ("closed_at",), size=size,
        help=_("Nobody rated these within the rating window: call the submitter and record the answer."),
    ))
    return Queue("triage", str(_("Triage")), sections)


def my_cases(user) -> QuerySet[Case]:
    """The cases ``user`` raised (for themselves or on someone's behalf), newest first."""
    if not _authenticated(user):
        return Case.objects.none()
    return rows(Case.objects.filter(Q(submitted_by=user) | Q(raised_by=user))).order_by("-submitted_at", "-pk")


def enterprise_cases(enterprise_ids) -> QuerySet[Case]:
    """Every case of the enterprises an enterprise contact follows, newest first."""
    return rows(Case.objects.filter(enterprise_id__in=list(enterprise_ids))).order_by("-submitted_at", "-pk")


BUILDING_LINKS = 6


def case_buildings(user) -> list[Building]:
    """The buildings whose case list ``user`` may open, for direct links: a few, or none when there
    are more (district staff reach them through the building list). One query at most."""
    s = access.scope(user, Action.CASE_VIEW)
    if not (s.everything or s.party_committees or s.buildings or s.floors):
        return []
    found = list(access.buildings(user, Action.CASE_VIEW).only("pk", "code", "name").order_by("code")
                 [:BUILDING_LINKS + 1])
    return found if len(found) <= BUILDING_LINKS else []


def capped_count(queryset: QuerySet) -> int:
    """How many rows, counting no further than COUNT_CAP + 1 (more than COUNT_CAP: "500+")."""
    return queryset.order_by()[:COUNT_CAP + 1].count()


def queue_counts(user, now=None) -> dict[str, int]:
    """The badges: how many cases wait in each of the person's queues (one count per queue they have,
    stopping above COUNT_CAP).

    Keys present only for the queues the person has: ``leader``, ``handler``, ``triage``."""
    counts: dict[str, int] = {}
    if not _authenticated(user):
        return counts
    if leader_floor_ids(user):
        counts["leader"] = capped_count(leader_new(user))
    if my_handler_ids(user):
        counts["handler"] = capped_count(handler_assigned(user))
    scope = triage_scope(user)
    if scope is not None:
        counts["triage"] = capped_count(triage_waiting(user, now))
    return counts


# ----------------------------------------------------------------------------------------------
# A building's list


def building_floor_scope(user, building: Building) -> list[int] | None:
    """None when ``user`` sees every case of ``building`` (CASE_VIEW on it); else the ids of the
    floors they see (a floor leader: their floors). Call after ``access.require``."""
    s = access.scope(user, Action.CASE_VIEW)
    if s.everything or building.pk in s.buildings or building.party_committee_id in s.party_committees:
        return None
    return sorted(s.floors)


def building_floors(user, building: Building) -> QuerySet[Floor]:
    floor_ids = building_floor_scope(user, building)
    floors = Floor.objects.filter(building=building)
    if floor_ids is not None:
        floors = floors.filter(pk__in=floor_ids)
    return floors.order_by("number")


def building_handlers(building: Building) -> QuerySet[Handler]:
    """The handlers of the building and of its district (active or not: old cases keep theirs)."""
    return Handler.objects.filter(
        Q(building=building) | Q(party_committee_id=building.party_committee_id)
    ).order_by("-is_active", "name")


@dataclass
class CaseList:
    filterset: object
    page: object
    total: int


def building_cases_queryset(user, building: Building) -> QuerySet[Case]:
    cases = Case.objects.filter(building=building)
    floor_ids = building_floor_scope(user, building)
    if floor_ids is not None:
        cases = cases.filter(floor_id__in=floor_ids)
    return cases


def building_cases(user, building: Building, params=None, page_number=None) -> CaseList:
    """One page of the building's cases, filtered as ``params`` say (newest first). A floor leader
    sees only their floors' cases. Queries: the filter's choices (floors, categories, handlers),
    the count and the page."""
    from .filters import CaseFilter

    filterset = CaseFilter(
        params or None, queryset=building_cases_queryset(user, building),
        floors=building_floors(user, building), handlers=building_handlers(building),
    )
    queryset = rows(filterset.qs).order_by("-submitted_at", "-pk")
    paginator = Paginator(queryset, PAGE_SIZE)
    page = paginator.get_page(page_number)
    return CaseList(filterset=filterset, page=page, total=paginator.count)


def building_export_cases(user, building: Building, params=None):
    """Every case of the filtered list, for the Excel export: count it, then stream it (one query each)."""
    from .filters import CaseFilter

    filterset = CaseFilter(
        params or None, queryset=building_cases_queryset(user, building),
        floors=building_floors(user, building), handlers=building_handlers(building),
    )
    return filterset.qs.select_related(*ROW_RELATED).order_by("-submitted_at", "-pk")


# ----------------------------------------------------------------------------------------------
# One case


def case_by_number(number: str) -> Case | None:
    return (
        Case.objects.select_related(
            "floor__building__party_committee", "building__party_committee", "category", "handler", "leader",
            "submitted_by", "raised_by", "enterprise", "merged_into",
        )
        .filter(number=number.strip())
        .first()
    )



@dataclass
class TimelineEntry:
    event: CaseEvent
    photos: list[CasePhoto]


@dataclass
class CaseDetail:
    case: Case
    timeline: list[TimelineEntry]
    photos: list[CasePhoto]  # the photos sent with the case itself
    internal: bool  # the viewer sees internal notes
    duplicates: list[Case] = field(default_factory=list)


def case_detail(case: Case, user) -> CaseDetail:
    """The case's timeline (events with their actors, oldest first), its photos by event, and the
    duplicates merged into it. Internal notes and photos only for those allowed. Three queries
    (four for a handler's staff)."""
    internal = permissions.sees_internal(user, case)
    events = CaseEvent.objects.filter(case=case).select_related("actor").order_by("created_at", "pk")
    photos = CasePhoto.objects.filter(case=case).order_by("pk")
    if not internal:
        events = events.filter(is_public=True)
        photos = photos.filter(is_public=True)
    by_event: dict[int | None, list[CasePhoto]] = {}
    for photo in photos:
        by_event.setdefault(photo.event_id, []).append(photo)
    timeline = [TimelineEntry(event, by_event.get(event.pk, [])) for event in events]
    duplicates = list(Case.objects.filter(merged_into=case).only("pk", "number", "submitted_at").order_by("pk"))
    return CaseDetail(case=case, timeline=timeline, photos=by_event.get(None, []), internal=internal,
                      duplicates=duplicates)


def counts_by_status(queryset: QuerySet[Case]) -> dict[str, int]:
    return dict(queryset.order_by().values_list("status").annotate(n=Count("pk")))


def triage_waiting(user, now=None) -> QuerySet[Case]:
    """Everything the committee's triage holds except the follow-up calls, as one queryset."""
    scope = triage_scope(user)
    if scope is None:
        return Case.objects.none()
    if triages_districts(user):
        return Case.objects.filter(scope, _district_conditions(now or timezone.now())["escalated"])
    conditions = _triage_conditions(now or timezone.now())
    waiting = Q()
    for condition in conditions.values():
        waiting |= condition
    # Every part is an open case: the explicit status lets the partial indexes serve the query.
    return Case.objects.filter(scope, status__in=OPEN_STATUSES).filter(waiting)


def landing_queues(user, *, size=LANDING_SIZE) -> list[Section]:
    """Each role's own queue for the landing page, first: the floor leader's new cases, the
    handler's assignments, the committee's triage. The most urgent rows and the count of each."""
    sections = []
    if not _authenticated(user):
        return sections
    if leader_floor_ids(user):
        sections.append(_section("leader", _("New cases on my floors"), leader_new(user), ("respond_by",), size=size))
    if my_handler_ids(user):
        sections.append(_section("handler", _("Assigned to us"), handler_assigned(user), ("due_at",), size=size))
    scope = triage_scope(user)
    if scope is not None and triages_districts(user):
        sections.append(_section("triage", _("Escalated to the district"), triage_waiting(user), ("due_at",),
                                 size=size))
    elif scope is not None:
        # A building's triage says what it holds (passed on by floor leaders, to accept, to verify),
        # counted with the total in one aggregate, as the triage tab counts its sections.
        now = timezone.now()
        conditions = _triage_conditions(now)
        waiting = Q()
        for condition in conditions.values():
            waiting |= condition
        counts = _counts(Case.objects.filter(scope, status__in=OPEN_STATUSES), {**conditions, "waiting": waiting})
        section = _section("triage", _("Triage"), triage_waiting(user, now), ("due_at",), size=size,
                           total=counts["waiting"])
        section.parts = [(key, str(title), counts[key]) for key, title, _help, _order in TRIAGE_SECTIONS
                         if counts[key]]
        sections.append(section)
    return sections
