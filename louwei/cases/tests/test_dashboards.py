"""The dashboards of the rates and their Excel exports: who may open them (and every denial), what
they show, the period and dimension pickers, a fixed number of queries, and the workbook."""

from __future__ import annotations

import io
import json
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils import translation
from freezegun import freeze_time
from openpyxl import load_workbook

from louwei.accounts.models import RoleKind
from louwei.jobs.models import Job
from louwei.testing import jobs
from louwei.testing.factories import (
    BuildingFactory,
    EnterpriseFactory,
    FloorLeaderFactory,
    HandlerMemberFactory,
    UserFactory,
)

from .test_figures import build_dataset
from .test_rates import grow

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_english")]

NOW = "2026-03-28 10:00:00+08:00"  # the data set's cases were received in March 2026


@pytest.fixture
def _english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def data():
    return build_dataset()


def building_url(data, name="cases:building_dashboard"):
    return reverse(name, args=[data.building.code])


def district_url(data, name="cases:district_dashboard"):
    return reverse(name, args=[data.building.party_committee.code])


def get(client, user, url, **params):
    if user is not None:
        client.force_login(user)
    with freeze_time(NOW):
        return client.get(url, params)


# ----------------------------------------------------------------------------------------------
# Access


@pytest.mark.parametrize("kind", [RoleKind.COMMITTEE_SECRETARY, RoleKind.COMMITTEE_MEMBER, RoleKind.PROPERTY_STAFF])
def test_building_staff_open_their_building_dashboard_and_export(client, person, data, kind):
    user = person(kind, data.building)
    assert get(client, user, building_url(data)).status_code == 200
    assert get(client, user, building_url(data, "cases:building_figures_export")).status_code == 200


def test_district_staff_open_the_district_and_its_buildings(client, person, data):
    user = person(RoleKind.DISTRICT_STAFF, data.building.party_committee)
    for url in (district_url(data), district_url(data, "cases:district_figures_export"), building_url(data)):
        assert get(client, user, url).status_code == 200


def test_a_superuser_opens_everything(client, data):
    admin = UserFactory(is_superuser=True, is_staff=True)
    assert get(client, admin, district_url(data)).status_code == 200
    assert get(client, admin, building_url(data)).status_code == 200


@pytest.mark.parametrize("name", ["cases:building_dashboard", "cases:building_figures_export"])
def test_anonymous_people_are_sent_to_log_in(client, data, name):
    response = get(client, None, building_url(data, name))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize("name", ["cases:district_dashboard", "cases:district_figures_export"])
def test_anonymous_people_are_sent_to_log_in_from_a_district(client, data, name):
    response = get(client, None, district_url(data, name))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize("name", ["cases:building_dashboard", "cases:building_figures_export"])
def test_a_floor_leader_may_not_open_the_building_figures(client, data, name):
    leader = FloorLeaderFactory(floor=data.f2).user
    assert get(client, leader, building_url(data, name)).status_code == 403


@pytest.mark.parametrize("kind", [RoleKind.ENTERPRISE_CONTACT, RoleKind.EMPLOYEE])
def test_enterprise_people_may_not_open_the_building_figures(client, person, data, kind):
    user = person(kind, EnterpriseFactory())
    assert get(client, user, building_url(data)).status_code == 403
    assert get(client, user, building_url(data, "cases:building_figures_export")).status_code == 403


def test_a_handlers_staff_may_not(client, data):
    member = HandlerMemberFactory(handler=data.h1).user
    assert get(client, member, building_url(data)).status_code == 403
    assert get(client, member, building_url(data, "cases:building_figures_export")).status_code == 403


def test_a_person_without_a_role_may_not(client, data):
    assert get(client, UserFactory(), building_url(data)).status_code == 403
    assert get(client, UserFactory(), district_url(data)).status_code == 403


@pytest.mark.parametrize("kind", [RoleKind.COMMITTEE_SECRETARY, RoleKind.COMMITTEE_MEMBER, RoleKind.PROPERTY_STAFF])
def test_staff_of_another_building_may_not(client, person, data, kind):
    user = person(kind, BuildingFactory(party_committee=data.building.party_committee))
    assert get(client, user, building_url(data)).status_code == 403
    assert get(client, user, building_url(data, "cases:building_figures_export")).status_code == 403


@pytest.mark.parametrize("name", ["cases:district_dashboard", "cases:district_figures_export"])
def test_building_staff_may_not_open_their_district(client, person, data, name):
    user = person(RoleKind.COMMITTEE_SECRETARY, data.building)
    assert get(client, user, district_url(data, name)).status_code == 403


def test_district_staff_of_another_district_may_not(client, person, data):
    user = person(RoleKind.DISTRICT_STAFF, BuildingFactory().party_committee)
    for url in (district_url(data), district_url(data, "cases:district_figures_export"), building_url(data),
                building_url(data, "cases:building_figures_export")):
        assert get(client, user, url).status_code == 403


def test_unknown_buildings_and_districts_are_not_found(client, person, data):
    admin = UserFactory(is_superuser=True)
    assert get(client, admin, reverse("cases:building_dashboard", args=["NOPE"])).status_code == 404
    assert get(client, admin, reverse("cases:district_dashboard", args=["NOPE"])).status_code == 404


# ----------------------------------------------------------------------------------------------
# What the pages show


def chart_of(response) -> dict:
    html = response.content.decode()
    start = html.index('<script id="case-dashboard-data" type="application/json">')
    start = html.index(">", start) + 1
    return json.loads(html[start:html.index("</script>", start)])


def test_the_building_dashboard_shows_the_four_rates_and_the_floors(client, person, data):
    user = person(RoleKind.COMMITTEE_SECRETARY, data.building)
    response = get(client, user, building_url(data), period="month")
    assert response.status_code == 200
    html = response.content.decode()
    # The stat cards (docs/metrics.md, worked example), with their counts.
    for value, counts in (("88.9%", "8 of 9"), ("62.5%", "5 of 8"), ("60.0%", "3 of 5"), ("71.4%", "5 of 7")):
        assert value in html and counts in html
    # The floors tab by default; floor 1 is the worst at three rates.
    report = response.context["report"]
    assert report.dimension == "floor" and [r.label for r in report.rows] == ["2F", "1F"]
    assert '<span class="badge badge-danger" title="The lowest">75.0%</span>' in html
    # The chart data is in a JSON block for the static script; no inline script.
    chart = chart_of(response)
    assert chart["months"] == ["2026-03"] and chart["received"] == [9]
    assert chart["rates"]["satisfaction"] == [60.0]
    assert "cases-dashboard.js" in html and "vendor/echarts/echarts.min.js" in html
    assert "<script>" not in html and 'style="' not in html
    # The export keeps the period.
    assert "figures.xlsx?period=month" in html


@pytest.mark.parametrize(("dim", "expected"), [
    ("leader", {"No floor leader"}), ("handler", {"物业公司", "楼委会", "Not dispatched yet"}),
    ("channel", {"App", "Floor QR code (visitor)"}),
])
def test_each_dimension_tab(client, person, data, dim, expected):
    user = person(RoleKind.COMMITTEE_MEMBER, data.building)
    response = get(client, user, building_url(data), period="month", dim=dim)
    labels = {row.label for row in response.context["report"].rows}
    assert expected <= labels
    assert f'aria-current="page">{response.context["dimension_label"]}</a>' in response.content.decode()


def test_an_unknown_dimension_or_sort_falls_back(client, person, data):
    user = person(RoleKind.COMMITTEE_MEMBER, data.building)
    response = get(client, user, building_url(data), period="month", dim="building; drop", sort="evil")
    assert response.status_code == 200
    assert response.context["report"].dimension == "floor"


def test_sorting_by_a_rate_puts_the_worst_first(client, person, data):
    user = person(RoleKind.COMMITTEE_MEMBER, data.building)
    response = get(client, user, building_url(data), period="month", sort="satisfaction")
    assert [r.label for r in response.context["report"].rows] == ["2F", "1F"]  # 50% before 66.7%


def test_the_period_picker(client, person, data):
    user = person(RoleKind.COMMITTEE_MEMBER, data.building)
    last_month = get(client, user, building_url(data), period="last_month")
    assert last_month.context["report"].total.received == 0
    assert "No cases were received in this period." in last_month.content.decode()
    custom = get(client, user, building_url(data), period="custom", start="2026-01", end="2026-03")
    assert custom.context["period"].label == "2026-01 – 2026-03"
    assert chart_of(custom)["received"] == [0, 0, 9]
    # A bad month falls back to the last 12 months.
    bad = get(client, user, building_url(data), period="custom", start="2026-13", end="x")
    assert bad.context["period"].kind == "12m" and bad.context["report"].total.received == 9


def test_the_district_dashboard_compares_its_buildings(client, person, data):
    second = build_dataset(BuildingFactory(party_committee=data.building.party_committee, name="第二大厦"))
    user = person(RoleKind.DISTRICT_STAFF, data.building.party_committee)
    response = get(client, user, district_url(data))
    assert response.status_code == 200
    report = response.context["report"]
    assert report.dimension == "building"
    assert {row.label for row in report.rows} == {data.building.name, second.building.name}
    assert report.total.received == 18
    assert len(chart_of(response)["rows"]["labels"]) == 2
    # Each building leads to its own dashboard, for the same period.
    html = response.content.decode()
    assert f'href="/buildings/{second.building.code}/cases/dashboard/?period=12m">{second.building.name}</a>' in html


def test_the_building_dashboard_leads_to_the_district_for_those_who_may_see_it(client, person, data):
    district_staff = person(RoleKind.DISTRICT_STAFF, data.building.party_committee)
    link = f'href="{district_url(data)}?period=12m"'
    assert link in get(client, district_staff, building_url(data)).content.decode()
    client.logout()
    secretary = person(RoleKind.COMMITTEE_SECRETARY, data.building)
    assert link not in get(client, secretary, building_url(data)).content.decode()


@pytest.mark.parametrize("where", ["building", "district"])
def test_a_dashboard_costs_the_same_queries_for_little_and_much_data(client, person, data, where,
                                                                     django_assert_max_num_queries):
    user = person(RoleKind.DISTRICT_STAFF, data.building.party_committee)
    client.force_login(user)
    url = building_url(data) if where == "building" else district_url(data)
    export = building_url(data, "cases:building_figures_export") if where == "building" else \
        district_url(data, "cases:district_figures_export")
    dims = ["floor", "leader", "handler", "category", "channel"] if where == "building" else \
        ["building", "leader", "handler", "category", "channel"]
    for floors in (0, 15):
        grow(data, floors)
        for dim in dims:
            # Session, user, roles, the building or district, the months, the rows, their labels, and
            # the navigation's reads.
            with django_assert_max_num_queries(12), freeze_time(NOW):
                response = client.get(url, {"dim": dim})
            assert response.status_code == 200 and response.context["report"].rows
        # The export, in the worker: the months, then the rows and labels of each of the five
        # dimensions, and the job's own reads and writes (its row, access twice, the notification).
        with freeze_time(NOW):
            job = jobs.start(client, export)
            with django_assert_max_num_queries(EXPORT_QUERIES):
                assert jobs.run(job).status == "done"


# ----------------------------------------------------------------------------------------------
# Excel


EXPORT_QUERIES = 30


def export(client, user, url, **params):
    """Start the export as the page's button does, run it as the worker does, download it."""
    client.force_login(user)
    with freeze_time(NOW):
        job = jobs.run(jobs.start(client, f"{url}?{urlencode(params)}" if params else url))
        assert job.status == "done", job.error
        return job, client.get(job.download_url)


def workbook_of(response):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def test_the_building_export_has_a_sheet_per_dimension_and_the_definitions(client, person, data):
    user = person(RoleKind.COMMITTEE_SECRETARY, data.building)
    job, response = export(client, user, building_url(data, "cases:building_figures_export"), period="month")
    assert job.kind == "cases.figures" and job.params == {"period": "month", "first": "2026-03-01",
                                                           "last": "2026-03-01"}
    assert job.progress_done == job.progress_total == 6  # a step per dimension, then the definitions
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert f'{data.building.code}-case-figures-202603-202603.xlsx' in response["Content-Disposition"]
    book = workbook_of(response)
    assert book.sheetnames == ["Summary", "Floors", "Floor leaders", "Handlers", "Categories", "Channels",
                               "Definitions"]
    summary = book["Summary"]
    headings = [cell.value for cell in summary[3]]
    assert headings[:5] == ["Month", "Received", "Responded", "Responded on time", "Response rate"]
    march, total = [cell.value for cell in summary[4]], [cell.value for cell in summary[5]]
    assert march[0] == "2026-03" and total[0] == "Total"
    column = {heading: i for i, heading in enumerate(headings)}
    # Numbers are numbers, rates are fractions shown as percentages.
    assert total[column["Received"]] == 9 and total[column["Merged duplicates"]] == 1
    assert total[column["Response rate"]] == pytest.approx(8 / 9)
    assert summary.cell(row=5, column=column["Response rate"] + 1).number_format == "0.0%"
    assert total[column["Resolution rate"]] == pytest.approx(5 / 8)
    assert total[column["Satisfaction rate"]] == pytest.approx(3 / 5)
    assert total[column["On-time closure rate"]] == pytest.approx(5 / 7)
    floors = {row[0].value: [c.value for c in row] for row in book["Floors"].iter_rows(min_row=2)}
    assert set(floors) == {"1F", "2F"}
    assert floors["1F"][column["Received"]] == 4 and floors["1F"][column["Response rate"]] == 0.75
    handlers = {row[0].value: [c.value for c in row] for row in book["Handlers"].iter_rows(min_row=2)}
    # Not dispatched: A E G received (F merged); A rated satisfied.
    assert handlers["Not dispatched yet"][column["Received"]] == 3
    assert handlers["Not dispatched yet"][column["Satisfaction rate"]] == 1
    # Cleaning: G H, nobody rated them: no rate, a dash.
    cleaning = [[c.value for c in row] for row in book["Categories"].iter_rows(min_row=2)
                if row[0].value.endswith(data.cleaning.name_en)]
    assert cleaning[0][column["Received"]] == 2 and cleaning[0][column["Satisfaction rate"]] == "—"
    definitions = [[c.value for c in row] for row in book["Definitions"].iter_rows()]
    assert definitions[0] == ["Figure", "Numerator", "Denominator", "Notes"]
    assert [row[0] for row in definitions[1:]] == ["Cohort", "Response rate", "Resolution rate",
                                                   "Satisfaction rate", "On-time closure rate"]


def test_the_district_export_lists_its_buildings(client, person, data):
    second = build_dataset(BuildingFactory(party_committee=data.building.party_committee))
    user = person(RoleKind.DISTRICT_STAFF, data.building.party_committee)
    job, response = export(client, user, district_url(data, "cases:district_figures_export"), period="year")
    book = workbook_of(response)
    assert book.sheetnames[1] == "Buildings"
    names = {row[0].value: row[1].value for row in book["Buildings"].iter_rows(min_row=2)}
    assert names == {data.building.name: 9, second.building.name: 9}


def test_the_figures_file_is_its_owners_alone(client, person, data):
    owner = person(RoleKind.PROPERTY_STAFF, data.building)
    job, response = export(client, owner, building_url(data, "cases:building_figures_export"))
    assert response.status_code == 200
    for other in (person(RoleKind.PROPERTY_STAFF, data.building), person(RoleKind.COMMITTEE_SECRETARY, data.building)):
        client.force_login(other)
        with freeze_time(NOW):
            assert client.get(job.get_absolute_url()).status_code == 404
            assert client.get(job.download_url).status_code == 404


def test_the_export_is_refused_to_whoever_may_not_see_the_figures(client, person, data):
    client.force_login(person(RoleKind.COMMITTEE_SECRETARY, data.building))
    assert client.post(district_url(data, "cases:district_figures_export")).status_code == 403
    client.force_login(FloorLeaderFactory(floor=data.f2).user)
    assert client.post(building_url(data, "cases:building_figures_export")).status_code == 403
    assert not Job.objects.exists()


def test_the_landing_page_cards_of_a_floor_leader(data):
    from django.template.loader import render_to_string

    from louwei.cases import rates

    march = rates.period("custom", data.cases["A"].submitted_at.date(), data.cases["A"].submitted_at.date())
    html = render_to_string("cases/dashboards/_my_figures.html",
                            {"figures": rates.for_leader(data.leader, march), "title": "My floors"})
    # The leader's floor 1 (A B C G): response 3/4, resolution 2/4, satisfaction 2/3, on time 2/4.
    for text in ("My floors", "75.0%", "50.0%", "66.7%", "4 cases received"):
        assert text in html
    empty = render_to_string("cases/dashboards/_my_figures.html",
                             {"figures": rates.for_leader(UserFactory(), march)})
    assert empty.count("—") == 4 and "0 cases received" in empty
