"""Reading the rates: the formulas on the hand-computed data set of docs/metrics.md, the rows of each
dimension and their labels, periods, the district and the landing-page figures, and a fixed number
of queries whatever the data."""

from __future__ import annotations

import datetime

import pytest
from django.utils import translation

from louwei.cases import figures, rates
from louwei.cases.models import Status
from louwei.testing.factories import BuildingFactory, CaseFactory, FloorFactory, UserFactory

from .test_figures import MARCH, at, build_dataset

pytestmark = pytest.mark.django_db

IN_MARCH = rates.period("custom", MARCH, MARCH)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_the_four_rates_of_the_worked_example():
    data = build_dataset()
    total = rates.total(data.building, IN_MARCH)
    # docs/metrics.md, "A worked example":
    #   response     = responded 8 / received 9            = 0.8889 (88.9%)
    #   resolution   = resolved 5 / (received 9 - declined 1 = 8) = 0.625 (62.5%)
    #   satisfaction = (satisfied 2 + basically 1) / rated 5 = 0.6 (60.0%)
    #   on time      = closed on time 5 / (closed once 6 + overdue 1 = 7) = 0.7143 (71.4%)
    assert total.response_rate == pytest.approx(8 / 9)
    assert total.resolution_rate == pytest.approx(5 / 8)
    assert total.satisfaction_rate == pytest.approx(3 / 5)
    assert total.on_time_rate == pytest.approx(5 / 7)
    assert total.on_time_response_rate == pytest.approx(7 / 9)
    assert total.shown == {"response": "88.9%", "resolution": "62.5%", "satisfaction": "60.0%", "on_time": "71.4%"}
    assert (total.received, total.merged, total.reopened, total.follow_ups) == (9, 1, 3, 1)


def test_rates_without_a_denominator_are_none_and_shown_as_a_dash():
    empty = rates.Figures()
    assert empty.response_rate is None and empty.on_time_rate is None
    assert empty.shown == {"response": "—", "resolution": "—", "satisfaction": "—", "on_time": "—"}
    # Received and declined, nothing rated or due yet.
    some = rates.Figures(received=2, responded=1, declined=1)
    assert some.response_rate == 0.5
    assert some.resolution_rate is None and some.satisfaction_rate is None


def test_floor_rows_of_the_worked_example():
    data = build_dataset()
    rows = {row.key: row for row in rates.rows(data.building, IN_MARCH, "floor")}
    one, two = rows[str(data.f1.pk)], rows[str(data.f2.pk)]
    # Floor 1 holds A B C G: responded 3 of 4 (not G); resolved A B of 4; rated A B C, satisfied or
    # basically A B: 2 of 3; closed once A B C (on time A C) plus G overdue: 2 of 4.
    assert one.figures.shown == {"response": "75.0%", "resolution": "50.0%", "satisfaction": "66.7%",
                                 "on_time": "50.0%"}
    # Floor 2 holds D E H I J (and F merged): responded 5 of 5; resolved D I J of 4 (E declined);
    # rated D J, satisfied D: 1 of 2; closed once D I J, all on time: 3 of 3.
    assert two.figures.shown == {"response": "100.0%", "resolution": "75.0%", "satisfaction": "50.0%",
                                 "on_time": "100.0%"}
    assert two.figures.merged == 1
    # The worst of each rate is marked: floor 1 for response, resolution and on time; floor 2 for satisfaction.
    assert one.worst == {"response", "resolution", "on_time"}
    assert two.worst == {"satisfaction"}
    assert (one.label, two.label) == ("1F", "2F")


def test_rows_are_labelled_for_every_dimension():
    data = build_dataset()
    leaders = {row.key: row.label for row in rates.rows(data.building, IN_MARCH, "leader")}
    # A leader is named with the floors she leads: a name alone does not say whose floors they are.
    assert leaders == {str(data.leader.pk): f"{data.leader.name} (1F)", "": "No floor leader"}
    handlers = {row.key: row.label for row in rates.rows(data.building, IN_MARCH, "handler")}
    assert handlers == {str(data.h1.pk): "物业公司", str(data.h2.pk): "楼委会", "": "Not dispatched yet"}
    categories = {row.key: row.label for row in rates.rows(data.building, IN_MARCH, "category")}
    assert set(categories) == {str(data.repairs.pk), str(data.cleaning.pk)}
    assert all(" · " in label for label in categories.values())  # "Building services · Repairs"
    channels = {row.key: (row.label, row.figures.received) for row in rates.rows(data.building, IN_MARCH, "channel")}
    assert channels == {"app": ("App", 7), "qr": ("Floor QR code (visitor)", 2)}


def test_sorting_puts_the_worst_first():
    data = build_dataset()
    by_received = rates.rows(data.building, IN_MARCH, "handler")
    assert [r.figures.received for r in by_received] == [4, 3, 2]  # h1, not dispatched, h2
    by_resolution = rates.rows(data.building, IN_MARCH, "handler", sort="resolution")
    # h1: B D of B C D H = 50%; none: A of A G (E declined) = 50%; h2: I J = 100%.
    assert [r.figures.shown["resolution"] for r in by_resolution] == ["50.0%", "50.0%", "100.0%"]
    assert by_resolution[0].key == str(data.h1.pk)  # equal rates: the one with more cases first


def test_the_monthly_series_fills_every_month_and_sums_to_the_total():
    data = build_dataset()
    april_case = CaseFactory(floor=data.f1, submitted_at=at(2, month=4))
    figures.record_change(None, april_case)
    period = rates.period("custom", datetime.date(2026, 1, 1), datetime.date(2026, 5, 1))
    months = rates.series(data.building, period)
    assert [m for m, _f in months] == [datetime.date(2026, n, 1) for n in (1, 2, 3, 4, 5)]
    assert [f.received for _m, f in months] == [0, 0, 9, 1, 0]
    report = rates.report(data.building, period, "floor")
    assert report.total.received == 10 == rates.total(data.building, period).received
    chart = rates.chart_data(report)
    assert chart["months"] == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05"]
    assert chart["rates"]["response"] == [None, None, 88.9, 0.0, None]
    # Outside the period nothing counts.
    assert rates.total(data.building, rates.period("custom", datetime.date(2026, 2, 1),
                                                   datetime.date(2026, 2, 1))).received == 0


@pytest.mark.parametrize(("kind", "first", "last"), [
    ("month", (2026, 11), (2026, 11)),
    ("last_month", (2026, 10), (2026, 10)),
    ("quarter", (2026, 10), (2026, 11)),
    ("year", (2026, 1), (2026, 11)),
    ("12m", (2025, 12), (2026, 11)),
    ("nonsense", (2025, 12), (2026, 11)),
])
def test_named_periods(kind, first, last):
    period = rates.period(kind, today=datetime.date(2026, 11, 29))
    assert (period.first, period.last) == (datetime.date(*first, 1), datetime.date(*last, 1))


def test_a_january_last_month_and_a_custom_period():
    assert rates.period("last_month", today=datetime.date(2026, 1, 5)).first == datetime.date(2025, 12, 1)
    custom = rates.period("custom", datetime.date(2026, 5, 20), datetime.date(2026, 2, 3))
    assert (custom.first, custom.last, len(custom.months)) == (datetime.date(2026, 2, 1), datetime.date(2026, 5, 1), 4)
    huge = rates.period("custom", datetime.date(1990, 1, 1), datetime.date(2026, 5, 1))
    assert len(huge.months) == rates.LONGEST_PERIOD


def test_a_district_compares_its_buildings_and_sums_them():
    first = build_dataset()
    second = build_dataset(BuildingFactory(party_committee=first.building.party_committee))
    elsewhere = build_dataset()  # another district
    district = first.building.party_committee
    total = rates.total(district, IN_MARCH)
    assert total.received == 18 and total.resolution_rate == pytest.approx(10 / 16)
    buildings = {row.key: row for row in rates.rows(district, IN_MARCH, "building")}
    assert set(buildings) == {str(first.building.pk), str(second.building.pk)}
    assert buildings[str(first.building.pk)].label == first.building.name
    assert buildings[str(second.building.pk)].figures.received == 9
    # Floors across buildings are named with their building.
    floors = rates.rows(district, IN_MARCH, "floor")
    assert {row.label for row in floors} >= {f"{first.building.name} 1F", f"{second.building.name} 2F"}
    # Everything (a superuser): both districts, side by side.
    districts = {row.key: row.figures.received for row in rates.rows(None, IN_MARCH, rates.DISTRICT)}
    assert districts == {str(district.pk): 18, str(elsewhere.building.party_committee_id): 9}
    assert rates.total(None, IN_MARCH).received == 27


def test_a_floor_leader_and_a_handler_have_their_own_figures():
    data = build_dataset()
    build_dataset()  # others' cases do not count
    mine = rates.for_leader(data.leader, IN_MARCH)
    # The leader's floor 1: A B C G.
    assert (mine.received, mine.shown["response"], mine.shown["resolution"]) == (4, "75.0%", "50.0%")
    theirs = rates.for_handler(data.h2, IN_MARCH)
    assert (theirs.received, theirs.resolved, theirs.shown["satisfaction"]) == (2, 2, "0.0%")
    nobody = rates.for_leader(UserFactory(), IN_MARCH)
    assert nobody.received == 0 and nobody.response_rate is None


def test_a_case_that_changes_moves_in_the_rates():
    building = BuildingFactory()
    floor = FloorFactory(building=building, number=1)
    case = CaseFactory(floor=floor, submitted_at=at(2))
    figures.record_change(None, case)
    assert rates.total(building, IN_MARCH).response_rate == 0
    before = figures.snapshot(case)
    case.status, case.responded_at = Status.REFERRED, at(2, 10)
    case.save()
    figures.record_change(before, case)
    assert rates.total(building, IN_MARCH).response_rate == 1


def grow(data, floors: int) -> None:
    """More cases on more floors of the data set's building, and another building of its district."""
    for number in range(3, 3 + floors):
        floor = FloorFactory(building=data.building, number=number)
        for day in (3, 4):
            figures.record_change(None, CaseFactory(floor=floor, submitted_at=at(day)))
    build_dataset(BuildingFactory(party_committee=data.building.party_committee))


@pytest.mark.parametrize("scope_kind", ["building", "district", "everything"])
def test_reading_costs_the_same_queries_for_little_and_much_data(scope_kind, django_assert_max_num_queries):
    data = build_dataset()
    scope = {"building": data.building, "district": data.building.party_committee, "everything": None}[scope_kind]
    for floors in (0, 12):
        grow(data, floors)
        for dimension in rates.dimensions_of(scope):
            # The months (their sum is the total), the rows, their labels.
            with django_assert_max_num_queries(3):
                report = rates.report(scope, IN_MARCH, dimension)
            assert report.total.received > 0 and report.rows
        with django_assert_max_num_queries(1):
            rates.for_leader(data.leader, IN_MARCH)
        with django_assert_max_num_queries(1):
            rates.for_handler(data.h1, IN_MARCH)
    assert len(rates.rows(data.building, IN_MARCH, "floor")) == 14
