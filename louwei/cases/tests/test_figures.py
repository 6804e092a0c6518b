"""The monthly figures: what one case adds (snapshot), keeping them exact as cases change
(record_change), and rebuilding them from the cases (rebuild and its command).

The small data set built by :func:`build_dataset` is the worked example of ``docs/metrics.md``;
its expected numbers are written out by hand below and in ``test_rates.py``."""

from __future__ import annotations

import datetime
import random
from collections import Counter
from importlib import import_module
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from louwei.cases import figures
from louwei.cases.figures import COUNTERS
from louwei.cases.models import CaseFigure, Channel, Rating, RatingSource, Status
from louwei.testing.factories import (
    BuildingFactory,
    CaseFactory,
    FloorFactory,
    FloorLeaderFactory,
    HandlerFactory,
    category,
)

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
MARCH = datetime.date(2026, 3, 1)


def at(day, hour=9, month=3):
    return datetime.datetime(2026, month, day, hour, tzinfo=SHANGHAI)


class Dataset:
    """Ten cases received in March 2026 in one building (the worked example of docs/metrics.md).

    Floor 1 has a floor leader, floor 2 none. Each case was submitted on 10 March at 09:00, must be
    responded to within a day (11 March 09:00) and closed within a week (17 March 09:00)."""

    def __init__(self, building=None):
        self.building = building or BuildingFactory()
        self.f1 = FloorFactory(building=self.building, number=1)
        self.f2 = FloorFactory(building=self.building, number=2)
        self.leader = FloorLeaderFactory(floor=self.f1).user
        self.h1 = HandlerFactory(building=self.building, name="物业公司")
        self.h2 = HandlerFactory(building=self.building, name="楼委会", kind="committee")
        self.repairs, self.cleaning = category("repairs"), category("cleaning")
        self.cases = {}

        def case(name, floor, **fields):
            fields.setdefault("category", self.repairs)
            fields.setdefault("leader", self.leader if floor == self.f1 else None)
            made = CaseFactory(floor=floor, submitted_at=at(10), **fields)
            figures.record_change(None, made)
            self.cases[name] = made
            return made

        # A: the floor leader answered on the spot; closed on time; rated satisfied (by QR visitor).
        case("A", self.f1, channel=Channel.QR, status=Status.CLOSED, responded_at=at(10, 10),
             first_closed_at=at(10, 10), closed_at=at(10, 10), rating=Rating.SATISFIED,
             rating_source=RatingSource.SUBMITTER, rated_at=at(12))
        # B: passed on late (12 March), handled, closed late (20 March); rated basically satisfied.
        case("B", self.f1, channel=Channel.QR, status=Status.CLOSED, handler=self.h1, responded_at=at(12),
             first_closed_at=at(20), closed_at=at(20), rating=Rating.BASICALLY,
             rating_source=RatingSource.SUBMITTER, rated_at=at(21))
        # C: closed on time, rated dissatisfied: reopened, back with the handler.
        case("C", self.f1, status=Status.DISPATCHED, handler=self.h1, responded_at=at(10, 11),
             first_closed_at=at(14), closed_at=at(14), rating=Rating.DISSATISFIED,
             rating_source=RatingSource.SUBMITTER, rated_at=at(15), reopen_count=1)
        # G: nobody responded; marked overdue. (Cleaning.)
        case("G", self.f1, category=self.cleaning, overdue_at=at(17, 10))
        # D: closed on time, dissatisfied, reopened, closed again, then satisfied on the follow-up call.
        case("D", self.f2, status=Status.CLOSED, handler=self.h1, responded_at=at(10, 11),
             first_closed_at=at(13), closed_at=at(25), rating=Rating.SATISFIED,
             rating_source=RatingSource.FOLLOW_UP, rated_at=at(27), reopen_count=1)
        # E: declined (out of scope) the same day.
        case("E", self.f2, status=Status.DECLINED, decline_reason="out_of_scope", responded_at=at(10, 15))
        # F: a duplicate of A, merged into it.
        case("F", self.f2, status=Status.MERGED, merged_into=self.cases["A"], responded_at=at(10, 12))
        # H: accepted and dispatched on time, still being handled, not yet overdue. (Cleaning.)
        case("H", self.f2, category=self.cleaning, status=Status.DISPATCHED, handler=self.h1,
             responded_at=at(10, 16))
        # I: closed on time by the committee's handler; nobody has rated it.
        case("I", self.f2, status=Status.CLOSED, handler=self.h2, responded_at=at(10, 16),
             first_closed_at=at(16), closed_at=at(16))
        # J: closed on time, dissatisfied, reopened, closed again (24 March), not rated again.
        case("J", self.f2, status=Status.CLOSED, handler=self.h2, responded_at=at(10, 16),
             first_closed_at=at(15), closed_at=at(24), rating=Rating.DISSATISFIED,
             rating_source=RatingSource.SUBMITTER, rated_at=at(18), reopen_count=1)


def reseed_categories() -> None:
    """For transactional tests (live server, threads): the tables they start with may have been
    emptied by an earlier transactional test, and ``serialized_rollback`` does not restore them
    reliably once Playwright's event loop has run in the process. Seed the categories and deadline
    rules again, as migration 0002 does (idempotent)."""
    from django.apps import apps

    import_module("louwei.cases.migrations.0002_default_categories").seed(apps, None)


def build_dataset(building=None) -> Dataset:
    return Dataset(building)


def row(building, dimension, key="", month=MARCH) -> dict:
    figure = CaseFigure.objects.get(building=building, dimension=dimension, key=str(key), month=month)
    return {name: getattr(figure, name) for name in COUNTERS}


def table() -> dict:
    """Every row with a non-zero counter, as {(building, dimension, key, month): counters}."""
    return {
        (f.building_id, f.dimension, f.key, f.month): tuple(getattr(f, n) for n in COUNTERS)
        for f in CaseFigure.objects.all()
        if any(getattr(f, n) for n in COUNTERS)
    }


# ----------------------------------------------------------------------------------------------
# One case's contribution


def test_counters_of_the_worked_example():
    data = build_dataset()
    c = {name: figures.counters(case) for name, case in data.cases.items()}
    assert c["A"] == {"received": 1, "responded": 1, "responded_on_time": 1, "to_resolve": 1, "closed": 1,
                      "closed_on_time": 1, "resolved": 1, "rated": 1, "satisfied": 1}
    # B: responded late, closed late.
    assert c["B"] == {"received": 1, "responded": 1, "to_resolve": 1, "closed": 1, "resolved": 1, "rated": 1,
                      "basically": 1}
    # C: reopened and open again: closed once (on time) but not resolved now; its rating stands.
    assert c["C"] == {"received": 1, "responded": 1, "responded_on_time": 1, "to_resolve": 1, "closed": 1,
                      "closed_on_time": 1, "rated": 1, "dissatisfied": 1, "reopened": 1}
    assert c["G"] == {"received": 1, "to_resolve": 1, "overdue": 1}
    assert c["D"] == {"received": 1, "responded": 1, "responded_on_time": 1, "to_resolve": 1, "closed": 1,
                      "closed_on_time": 1, "resolved": 1, "rated": 1, "satisfied": 1, "reopened": 1,
                      "follow_ups": 1}
    # E: declined: responded, out of resolution and closure.
    assert c["E"] == {"received": 1, "responded": 1, "responded_on_time": 1, "declined": 1}
    # F: merged: out of everything.
    assert c["F"] == {"merged": 1}
    assert c["H"] == {"received": 1, "responded": 1, "responded_on_time": 1, "to_resolve": 1}
    assert c["I"] == {"received": 1, "responded": 1, "responded_on_time": 1, "to_resolve": 1, "closed": 1,
                      "closed_on_time": 1, "resolved": 1}
    # J: the dissatisfied rating came before the latest closing: resolved now, still rated dissatisfied.
    assert c["J"] == {"received": 1, "responded": 1, "responded_on_time": 1, "to_resolve": 1, "closed": 1,
                      "closed_on_time": 1, "resolved": 1, "rated": 1, "dissatisfied": 1, "reopened": 1}


def test_building_row_of_the_worked_example():
    data = build_dataset()
    # Summing the per-case counters above by hand:
    #   received 9 (all but F), merged 1 (F), responded 8 (all received but G), on time 7 (not B, G),
    #   declined 1 (E), to resolve 8 (received minus E), closed once 6 (A B C D I J), on time 5 (not B),
    #   resolved 5 (A B D I J), overdue 1 (G), rated 5 (A B C D J): satisfied 2 (A D), basically 1 (B),
    #   dissatisfied 2 (C J), reopened 3 (C D J), follow-ups 1 (D).
    assert row(data.building, "building") == {
        "received": 9, "responded": 8, "responded_on_time": 7, "declined": 1, "merged": 1, "to_resolve": 8,
        "closed": 6, "closed_on_time": 5, "resolved": 5, "rated": 5, "satisfied": 2, "basically": 1,
        "dissatisfied": 2, "reopened": 3, "overdue": 1, "follow_ups": 1,
    }


def test_each_dimension_has_its_rows_and_adds_up_to_the_building():
    data = build_dataset()
    b = data.building
    # Floor 1: A B C G. Floor 2: D E F H I J.
    assert row(b, "floor", data.f1.pk)["received"] == 4
    assert row(b, "floor", data.f2.pk)["received"] == 5  # F is merged
    assert row(b, "floor", data.f2.pk)["merged"] == 1
    # The leader of floor 1 has A B C G; floor 2 has no leader (key "").
    assert row(b, "leader", data.leader.pk)["received"] == 4
    assert row(b, "leader", "")["received"] == 5
    # Handlers: h1 has B C D H, h2 has I J; not dispatched: A E F G.
    assert row(b, "handler", data.h1.pk)["received"] == 4
    assert row(b, "handler", data.h2.pk)["resolved"] == 2
    assert row(b, "handler", "")["received"] == 3 and row(b, "handler", "")["merged"] == 1
    assert row(b, "category", data.cleaning.pk)["received"] == 2  # G H
    assert row(b, "category", data.repairs.pk)["received"] == 7
    assert row(b, "channel", "qr")["received"] == 2  # A B
    assert row(b, "channel", "app")["received"] == 7
    whole = row(b, "building")
    for dimension in ("floor", "leader", "handler", "category", "channel"):
        sums = Counter()
        for figure in CaseFigure.objects.filter(building=b, dimension=dimension):
            sums.update({n: getattr(figure, n) for n in COUNTERS})
        assert {n: sums[n] for n in COUNTERS} == whole, dimension


def test_month_is_the_local_month_of_receipt():
    building = BuildingFactory()
    floor = FloorFactory(building=building, number=3)
    # 31 March 23:30 in Shanghai is 31 March 15:30 UTC; 1 April 00:30 in Shanghai is 31 March 16:30 UTC.
    late_march = CaseFactory(floor=floor, submitted_at=datetime.datetime(2026, 3, 31, 15, 30, tzinfo=datetime.UTC))
    early_april = CaseFactory(floor=floor, submitted_at=datetime.datetime(2026, 3, 31, 16, 30, tzinfo=datetime.UTC))
    figures.record_change(None, late_march)
    figures.record_change(None, early_april)
    assert row(building, "building", month=MARCH)["received"] == 1
    assert row(building, "building", month=datetime.date(2026, 4, 1))["received"] == 1
    before = table()
    figures.rebuild()
    assert table() == before


# ----------------------------------------------------------------------------------------------
# Changes


def change(case, **fields):
    """Change a case the way a service does: snapshot, save, record the change."""
    before = figures.snapshot(case)
    for name, value in fields.items():
        setattr(case, name, value)
    case.save()
    figures.record_change(before, case)
    return case


def test_a_merged_duplicate_leaves_every_denominator():
    building = BuildingFactory()
    floor = FloorFactory(building=building, number=1)
    original = CaseFactory(floor=floor, submitted_at=at(2))
    duplicate = CaseFactory(floor=floor, submitted_at=at(3))
    figures.record_change(None, original)
    figures.record_change(None, duplicate)
    assert row(building, "building")["received"] == 2
    change(duplicate, status=Status.MERGED, merged_into=original, responded_at=at(3, 10))
    whole = row(building, "building")
    assert whole["received"] == 1 and whole["merged"] == 1
    assert whole["responded"] == 0 and whole["to_resolve"] == 1
    # The original closes and is rated: it counts once, for both submitters.
    change(original, status=Status.CLOSED, responded_at=at(2, 10), first_closed_at=at(4), closed_at=at(4),
           rating=Rating.SATISFIED, rating_source=RatingSource.SUBMITTER, rated_at=at(5))
    whole = row(building, "building")
    assert (whole["received"], whole["resolved"], whole["rated"], whole["satisfied"]) == (1, 1, 1, 1)


def test_a_reopened_case_counts_once_with_its_latest_rating_and_first_deadline():
    building = BuildingFactory()
    floor = FloorFactory(building=building, number=1)
    handler = HandlerFactory(building=building)
    case = CaseFactory(floor=floor, submitted_at=at(2), status=Status.DISPATCHED, handler=handler,
                       responded_at=at(2, 10))
    figures.record_change(None, case)
    # Closed on time (due 9 March), rated dissatisfied: reopened.
    change(case, status=Status.CLOSED, first_closed_at=at(6), closed_at=at(6))
    change(case, rating=Rating.DISSATISFIED, rating_source=RatingSource.SUBMITTER, rated_at=at(7))
    change(case, status=Status.DISPATCHED, reopen_count=1)
    whole = row(building, "building")
    assert (whole["received"], whole["closed"], whole["closed_on_time"], whole["resolved"]) == (1, 1, 1, 0)
    assert (whole["rated"], whole["dissatisfied"], whole["reopened"]) == (1, 1, 1)
    # Closed again after the first deadline: still on time (the first closing counts), resolved again.
    change(case, status=Status.CLOSED, closed_at=at(20))
    whole = row(building, "building")
    assert (whole["closed"], whole["closed_on_time"], whole["resolved"], whole["dissatisfied"]) == (1, 1, 1, 1)
    # Rated again, satisfied: the latest rating replaces the first; still one case, reopened once.
    change(case, rating=Rating.SATISFIED, rated_at=at(21))
    whole = row(building, "building")
    assert (whole["received"], whole["rated"], whole["satisfied"], whole["dissatisfied"]) == (1, 1, 1, 0)
    assert whole["reopened"] == 1
    # Reopened a second time: still reopened once, counted once.
    change(case, rating=Rating.DISSATISFIED, rated_at=at(22))
    change(case, status=Status.DISPATCHED, reopen_count=2)
    whole = row(building, "building")
    assert (whole["received"], whole["reopened"], whole["resolved"], whole["dissatisfied"]) == (1, 1, 0, 1)


def test_dispatch_and_reassign_move_the_case_between_handler_rows():
    building = BuildingFactory()
    floor = FloorFactory(building=building, number=1)
    first, second = HandlerFactory(building=building), HandlerFactory(building=building)
    case = CaseFactory(floor=floor, submitted_at=at(2), status=Status.ACCEPTED, responded_at=at(2, 10))
    figures.record_change(None, case)
    assert row(building, "handler", "")["received"] == 1
    change(case, status=Status.DISPATCHED, handler=first)
    assert row(building, "handler", "")["received"] == 0
    assert row(building, "handler", first.pk)["received"] == 1
    change(case, handler=second)
    assert row(building, "handler", first.pk)["received"] == 0
    assert row(building, "handler", second.pk)["received"] == 1
    assert row(building, "building")["received"] == 1


def test_no_change_writes_nothing(django_assert_num_queries):
    building = BuildingFactory()
    case = CaseFactory(floor=FloorFactory(building=building, number=1), submitted_at=at(2))
    figures.record_change(None, case)
    before = figures.snapshot(case)
    case.reminded_at = at(8)  # not a counted field
    with django_assert_num_queries(0):
        figures.record_change(before, case)


def test_a_change_costs_one_query_whatever_the_rows(django_assert_num_queries):
    building = BuildingFactory()
    floor = FloorFactory(building=building, number=1)
    case = CaseFactory(floor=floor, submitted_at=at(2), status=Status.ACCEPTED, responded_at=at(2, 10))
    case = type(case).objects.select_related("building").get(pk=case.pk)
    # New rows: created with their counts.
    with django_assert_num_queries(1):
        figures.record_change(None, case)
    handler = HandlerFactory(building=building)
    before = figures.snapshot(case)
    case.status, case.handler = Status.DISPATCHED, handler
    # A move to a new handler row: the old row less one, the new row created, in the same statement.
    with django_assert_num_queries(1):
        figures.record_change(before, case)
    before = figures.snapshot(case)
    case.status, case.first_closed_at, case.closed_at = Status.CLOSED, at(5), at(5)
    with django_assert_num_queries(1):
        figures.record_change(before, case)
    assert row(building, "handler", "")["received"] == 0
    assert row(building, "handler", handler.pk)["closed"] == 1


def test_rows_that_exist_are_updated_not_duplicated():
    data = build_dataset()
    rows = CaseFigure.objects.count()
    more = CaseFactory(floor=data.f1, submitted_at=at(11), leader=data.leader)
    figures.record_change(None, more)
    assert CaseFigure.objects.count() == rows
    assert row(data.building, "floor", data.f1.pk)["received"] == 5


# ----------------------------------------------------------------------------------------------
# Rebuilding


def test_rebuild_gives_the_incremental_figures():
    data = build_dataset()
    other = build_dataset()
    incremental = table()
    assert figures.rebuild() > 0
    assert table() == incremental
    # Rebuilding one building leaves the other alone and restores its rows.
    CaseFigure.objects.filter(building=data.building).update(received=99)
    figures.rebuild([data.building])
    assert table() == incremental
    assert CaseFigure.objects.filter(building=other.building).exists()


def test_rebuild_costs_a_few_queries_whatever_the_cases(django_assert_max_num_queries):
    for n in (1, 3):
        for _ in range(n):
            build_dataset()
        # The delete, then one INSERT … SELECT per dimension (6).
        with django_assert_max_num_queries(7):
            figures.rebuild()


def test_the_command_rebuilds_all_or_some_buildings(capsys):
    data = build_dataset()
    incremental = table()
    CaseFigure.objects.all().delete()
    call_command("rebuild_case_figures")
    assert table() == incremental
    assert "rows" in capsys.readouterr().out
    CaseFigure.objects.filter(building=data.building).update(received=0)
    call_command("rebuild_case_figures", "--building", data.building.code)
    assert table() == incremental


def test_the_command_refuses_an_unknown_building():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("rebuild_case_figures", "--building", "NOPE")


# ----------------------------------------------------------------------------------------------
# Random changes: incremental == rebuilt


STATES = [Status.SUBMITTED, Status.REFERRED, Status.ACCEPTED, Status.DISPATCHED, Status.REPLIED,
          Status.CLOSED, Status.DECLINED, Status.MERGED]


def random_change(rng: random.Random, case, handlers, floors, leaders, originals):
    """Any combination of the counted fields a case can hold, chosen at random (a superset of what
    the services do, so the two sides are compared on every field)."""
    status = rng.choice(STATES)
    fields = {"status": status, "handler": None, "merged_into": None}
    if status in (Status.DISPATCHED, Status.REPLIED) or (status == Status.CLOSED and rng.random() < 0.7):
        fields["handler"] = rng.choice(handlers)
    if status == Status.MERGED:
        candidates = [o for o in originals if o.pk != case.pk]
        fields["merged_into"] = rng.choice(candidates)
    base = case.submitted_at
    fields["responded_at"] = rng.choice([None, base + datetime.timedelta(hours=2), base + datetime.timedelta(days=3)])
    fields["first_closed_at"] = rng.choice([None, base + datetime.timedelta(days=2), base + datetime.timedelta(days=9)])
    fields["closed_at"] = rng.choice([None, base + datetime.timedelta(days=4), base + datetime.timedelta(days=12)])
    fields["overdue_at"] = rng.choice([None, base + datetime.timedelta(days=8)])
    fields["reopen_count"] = rng.choice([0, 0, 1, 2])
    if status == Status.CLOSED or fields["reopen_count"]:
        fields["rating"] = rng.choice(["", Rating.SATISFIED, Rating.BASICALLY, Rating.DISSATISFIED])
    else:
        fields["rating"] = ""
    fields["rating_source"] = rng.choice(list(RatingSource.values)) if fields["rating"] else ""
    fields["rated_at"] = rng.choice([None, base + datetime.timedelta(days=3), base + datetime.timedelta(days=20)]) \
        if fields["rating"] else None
    if rng.random() < 0.2:
        fields["floor"] = rng.choice(floors)
        fields["leader"] = rng.choice(leaders)
    if rng.random() < 0.1:
        fields["channel"] = rng.choice(list(Channel.values))
    if rng.random() < 0.1:
        fields["category"] = category(rng.choice(["repairs", "cleaning", "lifts"]))
    if rng.random() < 0.05:
        fields["submitted_at"] = base + datetime.timedelta(days=rng.choice([-40, 25]))
    return fields


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_changes_keep_the_figures_equal_to_a_rebuild(seed):
    rng = random.Random(seed)
    building = BuildingFactory()
    second = BuildingFactory(party_committee=building.party_committee)
    floors = [FloorFactory(building=building, number=n) for n in (1, 2, 3)]
    leaders = [None, FloorLeaderFactory(floor=floors[0]).user, FloorLeaderFactory(floor=floors[1]).user]
    handlers = [HandlerFactory(building=building) for _ in range(3)]
    originals = [CaseFactory(floor=floors[0], submitted_at=at(1)) for _ in range(2)]
    for original in originals:
        figures.record_change(None, original)
    cases = []
    for step in range(120):
        if not cases or rng.random() < 0.25:
            made = CaseFactory(floor=rng.choice(floors), leader=rng.choice(leaders),
                               submitted_at=at(rng.randint(1, 28), month=rng.choice([2, 3])),
                               channel=rng.choice(list(Channel.values)))
            figures.record_change(None, made)
            cases.append(made)
        else:
            case = rng.choice(cases)
            change(case, **random_change(rng, case, handlers, floors, leaders, originals))
        if step % 40 == 39:
            incremental = table()
            figures.rebuild()
            assert table() == incremental, f"seed {seed}, step {step}"
    # The other building has no cases and no rows; the first has rows in each dimension.
    assert not CaseFigure.objects.filter(building=second).exists()
    assert {f.dimension for f in CaseFigure.objects.filter(building=building)} == {
        "building", "floor", "leader", "handler", "category", "channel"}
