"""The figures kept by the services: random sequences of real service calls (raise, answer, pass on,
accept, decline, merge, dispatch, reassign, reply, return, close, rate, follow-up call, reopen and
the periodic deadline check), each by the person who may do it, then incremental == rebuilt."""

from __future__ import annotations

import datetime
import random
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from freezegun import freeze_time

from louwei.accounts.models import RoleKind
from louwei.cases import figures, rates, services
from louwei.cases.models import Case, CaseFigure, Rating, Status
from louwei.testing.factories import (
    BuildingFactory,
    FloorFactory,
    FloorLeaderFactory,
    HandlerFactory,
    HandlerMemberFactory,
    UserFactory,
    category,
    grant,
)

from .test_figures import table

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
TEXT = "已经处理完毕，请查看现场情况。"
LIVE = (Status.SUBMITTED, Status.REFERRED, Status.ACCEPTED, Status.DISPATCHED, Status.REPLIED, Status.CLOSED)


class Building:
    def __init__(self):
        self.building = BuildingFactory()
        self.floors = [FloorFactory(building=self.building, number=n) for n in (1, 2)]
        self.leader = FloorLeaderFactory(floor=self.floors[0]).user  # floor 2 has no leader
        self.secretary = UserFactory()
        grant(self.secretary, RoleKind.COMMITTEE_SECRETARY, self.building)
        self.handlers = [HandlerFactory(building=self.building) for _ in range(2)]
        self.members = {h.pk: HandlerMemberFactory(handler=h).user for h in self.handlers}
        self.tokens: dict[int, str] = {}

    def raise_one(self, rng):
        raised = services.raise_case(
            actor=None, floor=rng.choice(self.floors), category=category(rng.choice(["repairs", "cleaning", "lifts"])),
            description="走廊的灯坏了好几天，晚上很黑，请尽快维修。", channel="qr",
            visitor=services.Visitor(name="王女士", phone="13912345678"),
        )
        self.tokens[raised.case.pk] = raised.token
        return raised.case

    def act(self, rng, case: Case) -> str:
        """One legal-looking step on ``case`` by the person who would take it; returns its name."""
        case.refresh_from_db()
        sec = self.secretary
        other = [h for h in self.handlers if h.pk != case.handler_id]
        choices = {
            Status.SUBMITTED: ["answer", "pass_on", "accept", "decline", "merge"],
            Status.REFERRED: ["accept", "accept_dispatch", "decline", "merge"],
            Status.ACCEPTED: ["dispatch", "merge"],
            Status.DISPATCHED: ["reply", "reply", "reassign"],
            Status.REPLIED: ["close", "close", "return_reply"],
            Status.CLOSED: ["rate", "rate", "follow_up", "reopen"],
        }.get(case.status, [])
        if not choices:
            return "none"
        action = rng.choice(choices)
        if action == "answer":
            actor = self.leader if case.floor_id == self.floors[0].pk else sec  # no leader: refused
            services.answer(actor=actor, case=case, text=TEXT)
        elif action == "pass_on":
            services.pass_on(actor=self.leader, case=case)
        elif action == "accept":
            services.accept(actor=sec, case=case)
        elif action == "accept_dispatch":
            services.accept(actor=sec, case=case, handler=rng.choice(self.handlers))
        elif action == "decline":
            services.decline(actor=sec, case=case, reason=rng.choice(["out_of_scope", "insufficient"]), text=TEXT)
        elif action == "merge":
            into = rng.choice(list(Case.objects.filter(building=self.building).exclude(pk=case.pk).order_by("pk")))
            services.merge(actor=sec, case=case, into=into)
        elif action == "dispatch":
            services.dispatch(actor=sec, case=case, handler=rng.choice(self.handlers))
        elif action == "reassign":
            services.reassign(actor=sec, case=case, handler=other[0], reason="换一家单位处理这个问题。")
        elif action == "reply":
            actor = self.members[case.handler_id] if rng.random() < 0.7 else sec
            services.reply(actor=actor, case=case, text=TEXT)
        elif action == "return_reply":
            services.return_reply(actor=sec, case=case, reason="现场核查还没有修好，请继续处理。")
        elif action == "close":
            services.close(actor=sec, case=case)
        elif action == "rate":
            rating = rng.choice(list(Rating.values))
            services.rate(actor=None, case=case, rating=rating, comment="还是没有修好，灯依然不亮。",
                          token=self.tokens[case.pk])
        elif action == "follow_up":
            reached = rng.random() < 0.8
            services.record_follow_up(actor=sec, case=case, reached=reached,
                                      rating=rng.choice(list(Rating.values)) if reached else "",
                                      comment="电话回访，对方表示问题仍然存在。")
        elif action == "reopen":
            services.reopen(actor=sec, case=case, reason="问题又出现了，需要重新处理。")
        case.refresh_from_db()
        return action


@pytest.mark.parametrize("seed", [11, 12])
def test_random_service_calls_keep_the_figures_equal_to_a_rebuild(seed):
    rng = random.Random(seed)
    place = Building()
    start = datetime.datetime(2026, 9, 28, 9, tzinfo=SHANGHAI)  # across the National Day holiday
    done: dict[str, int] = {}
    with freeze_time(start) as clock:
        cases = [place.raise_one(rng) for _ in range(3)]
        for step in range(200):
            if rng.random() < 0.2:
                cases.append(place.raise_one(rng))
            elif rng.random() < 0.08:
                services.check_deadlines()
                done["check_deadlines"] = done.get("check_deadlines", 0) + 1
            else:
                # Mostly cases still in the loop (open, or closed and not yet rated since).
                live = [c for c in cases if c.status in LIVE]
                case = rng.choice(live if live and rng.random() < 0.9 else cases)
                try:
                    action = place.act(rng, case)
                except (ValidationError, PermissionDenied):
                    action = "refused"
                done[action] = done.get(action, 0) + 1
            clock.tick(datetime.timedelta(hours=rng.choice([1, 5, 20, 50])))
            if step % 50 == 49:
                incremental = table()
                figures.rebuild()
                assert table() == incremental, f"seed {seed}, step {step}, done {done}"
    # The walk went through the loop: every kind of step happened at least once.
    for action in ("answer", "pass_on", "accept", "decline", "merge", "dispatch", "reply", "close", "rate",
                   "reopen", "check_deadlines"):
        assert done.get(action), (action, done)
    months = rates.period("custom", start.date(), (start + datetime.timedelta(days=200)).date())
    total = rates.total(place.building, months)
    assert total.received + total.merged == len(cases)
    assert CaseFigure.objects.filter(building=place.building, dimension="handler").exists()


def test_a_closed_loop_counts_as_its_definition_says():
    """One case through the whole loop, the figures read after each step."""
    place = Building()
    march = rates.period("custom", datetime.date(2026, 3, 1), datetime.date(2026, 3, 1))
    with freeze_time(datetime.datetime(2026, 3, 10, 9, tzinfo=SHANGHAI)) as clock:
        case = services.raise_case(actor=None, floor=place.floors[1], category=category("repairs"),
                                   description="空调不制冷，会议室温度很高，请安排检修。", channel="qr",
                                   visitor=services.Visitor(name="李先生")).case
        total = rates.total(place.building, march)
        assert (total.received, total.responded, total.response_rate) == (1, 0, 0)
        clock.tick(datetime.timedelta(hours=1))
        services.accept(actor=place.secretary, case=case, handler=place.handlers[0])
        total = rates.total(place.building, march)
        assert (total.responded, total.responded_on_time) == (1, 1)
        services.reply(actor=place.members[place.handlers[0].pk], case=case, text=TEXT)
        services.close(actor=place.secretary, case=case)
        total = rates.total(place.building, march)
        assert (total.closed, total.closed_on_time, total.resolved, total.resolution_rate) == (1, 1, 1, 1)
        # Dissatisfied on the follow-up call: reopened, no longer resolved; closed once on time still.
        services.record_follow_up(actor=place.secretary, case=case, reached=True, rating=Rating.DISSATISFIED,
                                  comment="空调还是不制冷，问题没有解决。")
        total = rates.total(place.building, march)
        assert (total.resolved, total.reopened, total.closed_on_time, total.satisfaction_rate) == (0, 1, 1, 0)
        assert rates.for_handler(place.handlers[0], march).reopened == 1
        # Handled again after the deadline and closed: resolved; the first closing was on time.
        clock.tick(datetime.timedelta(days=20))
        services.reply(actor=place.secretary, case=Case.objects.get(pk=case.pk), text=TEXT)
        services.close(actor=place.secretary, case=Case.objects.get(pk=case.pk))
        total = rates.total(place.building, march)
        assert (total.resolved, total.on_time_rate, total.reopened, total.dissatisfied) == (1, 1, 1, 1)
        services.record_follow_up(actor=place.secretary, case=Case.objects.get(pk=case.pk), reached=True,
                                  rating=Rating.BASICALLY)
        total = rates.total(place.building, march)
        assert (total.rated, total.basically, total.dissatisfied, total.follow_ups, total.satisfaction_rate) == \
            (1, 1, 0, 1, 1)
    incremental = table()
    figures.rebuild()
    assert table() == incremental
