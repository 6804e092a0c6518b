"""The demo building's cases: every state of the loop, real timelines and figures, loaded once for the
module; what needs a database without the demo is in test_demo_empty.py."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from louwei.accounts.models import User
from louwei.cases import deadlines
from louwei.demo.cases import DAYS, HANDLERS, load_demo_cases
from louwei.cases.models import (
    ON_BEHALF_CHANNELS,
    OPEN_STATUSES,
    Case,
    CaseEvent,
    CaseFigure,
    Channel,
    DeclineReason,
    Dimension,
    EventKind,
    Handler,
    HandlerKind,
    HandlerMember,
    NumberSequence,
    Rating,
    RatingSource,
    Status,
)
from louwei.notifications.models import Message

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 27, 7, 20, tzinfo=datetime.UTC)  # a Friday afternoon in Jining (15:20)


@pytest.fixture(scope="module")
def demo_now():
    """The shared demo (``louwei.testing.demo``, loaded once for this module) leads up to NOW."""
    return NOW


def test_the_demo_cases_cover_every_state_of_the_loop(demo):
    cases = Case.objects.filter(building=demo)
    assert 60 <= cases.count() <= 120
    assert set(cases.values_list("status", flat=True)) == set(Status.values)
    # Rated with each rating, by the submitter and by a follow-up call; dissatisfied reopened the case.
    assert set(cases.exclude(rating="").values_list("rating", flat=True)) == set(Rating.values)
    assert set(cases.exclude(rating_source="").values_list("rating_source", flat=True)) == set(RatingSource.values)
    reopened = cases.filter(reopen_count__gt=0)
    assert reopened.filter(status=Status.CLOSED).exists() and reopened.exclude(status=Status.CLOSED).exists()
    assert CaseEvent.objects.filter(case__in=reopened, kind=EventKind.REOPENED).count() >= reopened.count()
    # Closed and never rated, past the rating window: a follow-up call is due; some were called.
    assert cases.filter(status=Status.CLOSED, rating="", closed_at__lt=NOW - deadlines.RATING_WINDOW).exists()
    assert cases.filter(status=Status.CLOSED, rating="", closed_at__gt=NOW - deadlines.RATING_WINDOW).exists()
    assert CaseEvent.objects.filter(case__building=demo, kind=EventKind.FOLLOW_UP, data__reached=False).exists()
    # Declined for each reason a decline has; merged ones point at their original.
    declined = cases.filter(status=Status.DECLINED)
    assert set(declined.values_list("decline_reason", flat=True)) == {DeclineReason.OUT_OF_SCOPE,
                                                                      DeclineReason.INSUFFICIENT}
    for merged in cases.filter(status=Status.MERGED):
        assert merged.merged_into.building == demo and merged.merged_into.supporter_count >= 1
    assert cases.filter(status__in=[Status.SUBMITTED, Status.DISPATCHED], supporter_count__gt=0).exists()


def test_some_are_overdue_reminded_and_escalated_once_and_twice(demo):
    cases = Case.objects.filter(building=demo)
    open_overdue = cases.filter(status__in=[Status.DISPATCHED], due_at__lt=NOW)
    assert open_overdue.filter(escalation_level=1).exists()
    assert open_overdue.filter(escalation_level=2).exists()
    assert open_overdue.filter(overdue_at__isnull=False).count() == open_overdue.count()
    assert cases.filter(status=Status.DISPATCHED, due_at__gt=NOW, reminded_at__isnull=False).exists()
    assert cases.filter(status=Status.DISPATCHED, due_at__gt=NOW, reminded_at__isnull=True).exists()
    # Some closed late, most on time.
    closed = cases.filter(status=Status.CLOSED)
    late = [c for c in closed if c.first_closed_at > c.due_at]
    assert 0 < len(late) < closed.count() / 2
    kinds = set(CaseEvent.objects.filter(case__building=demo).values_list("kind", flat=True))
    assert {EventKind.REMINDED, EventKind.OVERDUE, EventKind.ESCALATED, EventKind.RETURNED,
            EventKind.REASSIGNED, EventKind.SUPPORTED, EventKind.MERGED} <= kinds


def test_raised_through_every_channel_by_visitors_employees_and_floor_leaders(demo):
    cases = Case.objects.filter(building=demo)
    assert set(cases.values_list("channel", flat=True)) == {Channel.APP, Channel.QR, *ON_BEHALF_CHANNELS}
    assert all(c.submitted_by and not c.tracking_hash for c in cases.filter(channel=Channel.APP))
    assert all(c.tracking_hash and c.submitted_by is None for c in cases.filter(channel=Channel.QR))
    for case in cases.filter(channel__in=ON_BEHALF_CHANNELS).select_related("raised_by", "floor"):
        assert case.enterprise is not None
        assert case.raised_by.floor_leaderships.filter(floor=case.floor).exists()
    # The demo logins have cases of their own: the employee's, and the leader's floor is busy.
    assert cases.filter(submitted_by__username="employee").exists()
    assert cases.filter(floor__number=5, status=Status.SUBMITTED).exists()
    assert cases.filter(status=Status.CLOSED, rating="", submitted_by__username__in=["employee", "contact"],
                        closed_at__gt=NOW - deadlines.RATING_WINDOW).exists()


def test_the_timelines_lie_in_the_past_in_order_and_over_four_months(demo):
    cases = Case.objects.filter(building=demo)
    first = cases.order_by("submitted_at").first().submitted_at
    assert NOW - datetime.timedelta(days=DAYS + 1) < first < NOW - datetime.timedelta(days=90)
    events = CaseEvent.objects.filter(case__building=demo).order_by("case", "created_at", "pk")
    assert events.count() >= 4 * cases.count()
    for case in cases:
        timeline = [e for e in events if e.case_id == case.pk]
        assert timeline[0].kind == EventKind.SUBMITTED and timeline[0].created_at == case.submitted_at
        assert all(case.submitted_at <= e.created_at <= NOW for e in timeline)
        for name in ("responded_at", "accepted_at", "dispatched_at", "replied_at", "closed_at", "rated_at"):
            value = getattr(case, name)
            assert value is None or case.submitted_at <= value <= NOW, (case.number, name)
        assert case.number.startswith(timezone.localtime(case.submitted_at).strftime("%Y%m%d"))


def test_handlers_with_their_staff_logins(demo):
    handlers = {h.name: h for h in Handler.objects.all()}
    assert set(handlers) == {spec["name"] for spec in HANDLERS.values()}
    property_company = handlers["济宁新城物业服务有限公司"]
    assert property_company.building == demo and property_company.property_company == demo.property_company
    assert set(property_company.members.values_list("user__username", flat=True)) == {"wuye", "wuye2", "property"}
    committee = Handler.objects.get(kind=HandlerKind.COMMITTEE)
    assert committee.members.get(is_manager=True).user.username == "secretary"
    departments = Handler.objects.filter(kind=HandlerKind.DEPARTMENT)
    assert departments.count() == 3 and all(d.party_committee == demo.party_committee for d in departments)
    # Every handler has had cases, and its staff replied to them.
    for handler in handlers.values():
        assert Case.objects.filter(handler=handler).exists(), handler.name
    replies = CaseEvent.objects.filter(kind=EventKind.REPLIED).select_related("case")
    members = set(HandlerMember.objects.values_list("handler_id", "user_id"))
    assert all((e.case.handler_id, e.actor_id) in members for e in replies if e.case.reopen_count == 0)


def test_the_property_login_finds_the_property_companys_dispatched_cases(demo, client):
    """The `property` demo login (the property company's staff) opened an empty case page."""
    property_company = Handler.objects.get(property_company=demo.property_company)
    dispatched = Case.objects.filter(handler=property_company, status=Status.DISPATCHED).order_by("due_at")
    assert dispatched.exists()
    client.force_login(User.objects.get(username="property"))
    page = client.get("/cases/")
    assert page.context["tab"] == "handler"
    assert dispatched.first().number in page.content.decode()


def test_the_figures_are_built_and_add_up(demo):
    figures = CaseFigure.objects.filter(building=demo, dimension=Dimension.BUILDING)
    assert figures.count() >= 4  # four or five months
    totals = figures.aggregate(received=Sum("received"), rated=Sum("rated"), overdue=Sum("overdue"),
                               closed=Sum("closed"), dissatisfied=Sum("dissatisfied"))
    cases = Case.objects.filter(building=demo)
    assert totals["received"] == cases.exclude(status=Status.MERGED).count()
    assert totals["rated"] > 0 and totals["overdue"] > 0 and totals["closed"] > 0 and totals["dissatisfied"] > 0
    assert CaseFigure.objects.filter(building=demo, dimension=Dimension.LEADER).exists()
    assert CaseFigure.objects.filter(building=demo, dimension=Dimension.HANDLER).count() >= 5


def test_a_second_run_adds_nothing_and_the_same_seed_gives_the_same_cases(
    demo, django_capture_on_commit_callbacks
):
    # The shared demo ran what its load left for the commit, as a real run does: notifications went out.
    # The notifications of finished cases are history (read); those of open ones wait for the demo logins.
    inbox = Message.objects.filter(channel="inbox", event__startswith="case.")
    assert inbox.filter(read_at__isnull=False).exists()
    unread = inbox.filter(read_at__isnull=True)
    open_urls = {f"/cases/{n}/" for n in Case.objects.filter(status__in=OPEN_STATUSES).values_list("number", flat=True)}
    assert unread.filter(user__username="leader").exists() and {m.url for m in unread} <= open_urls

    def rows():
        return (Case.objects.count(), CaseEvent.objects.count(), Handler.objects.count(),
                HandlerMember.objects.count(), CaseFigure.objects.count(), Message.objects.count())

    def content():
        return list(Case.objects.order_by("submitted_at", "description").values_list(
            "floor__number", "category__code", "channel", "status", "rating", "description", "submitted_at",
            "escalation_level", "supporter_count"))

    before, cases = rows(), content()
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", stdout=out)
    assert rows() == before and "nothing to add" in out.getvalue()

    # Without its cases, the building gets the very same ones again.
    Case.objects.filter(merged_into__isnull=False).delete()
    Case.objects.all().delete()
    NumberSequence.objects.all().delete()
    made = load_demo_cases(demo, demo.party_committee, now=NOW)
    assert made["cases"] == len(cases) and not made["handlers"] and not made["handler members"]
    assert content() == cases
